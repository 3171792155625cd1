package tfix.engine.ptrace;

import jnr.ffi.Pointer;
import tfix.engine.process.ProcMemory;
import tfix.engine.sys.LibC;
import tfix.engine.sys.Native;

/**
 * Reads a window of every stopped thread's stack with one process_vm_readv (an iovec per thread) into a buffer
 * made and touched before the stop, instead of one /proc/PID/mem read per thread inside it. A range the call
 * could not read (it stops at the first failing one) is read again through /proc/PID/mem, which fails loudly.
 */
public final class StackReads {
    /** The kernel's IOV_MAX: longer batches take several calls. */
    private static final int IOV_MAX = 1024;
    private final LibC libc;
    private final int pid;
    private final ProcMemory memory;
    private final Pointer buffer;
    private final Pointer localIov;
    private final Pointer remoteIov;
    private final long capacity;
    private long[] offset = new long[0];
    private int[] length = new int[0];

    /** Room for {@code ranges} windows of up to {@code bytesEach}; call before the stop: allocating touches every page. */
    public StackReads(Tracee tracee, ProcMemory memory, int ranges, int bytesEach) {
        Native nat = tracee.ptrace().nat();
        this.libc = nat.libc();
        this.pid = tracee.pid();
        this.memory = memory;
        this.capacity = (long) Math.max(ranges, 1) * bytesEach;
        this.buffer = nat.allocate((int) Math.min(capacity, Integer.MAX_VALUE));
        this.buffer.setMemory(0, buffer.size(), (byte) 0);
        int iovs = Math.min(Math.max(ranges, 1), IOV_MAX);
        this.localIov = nat.allocate(16 * iovs);
        this.remoteIov = nat.allocate(16 * iovs);
    }

    /** Whether {@code ranges} windows of {@code bytesEach} fit. */
    public boolean fits(int ranges, int bytesEach) {
        return (long) ranges * bytesEach <= capacity && Math.min(ranges, IOV_MAX) * 16L <= localIov.size();
    }

    /** Reads [from[i], from[i] + length[i]) for every i; lengths are multiples of 8. Then {@link #words} gives each. */
    public void read(long[] from, int[] length) {
        offset = new long[from.length];
        this.length = length;
        long at = 0;
        for (int i = 0; i < from.length; i++) {
            offset[i] = at;
            at += length[i];
        }
        for (int first = 0; first < from.length; first += IOV_MAX) {
            int n = Math.min(IOV_MAX, from.length - first);
            long want = 0;
            for (int k = 0; k < n; k++) {
                int i = first + k;
                localIov.putLong(16L * k, buffer.address() + offset[i]);
                localIov.putLong(16L * k + 8, length[i]);
                remoteIov.putLong(16L * k, from[i]);
                remoteIov.putLong(16L * k + 8, length[i]);
                want += length[i];
            }
            long got = libc.process_vm_readv(pid, localIov.address(), n, remoteIov.address(), n, 0);
            if (got != want) {
                reread(first, n, Math.max(got, 0), from, length, offset);
            }
        }
    }

    /** Range i of the last read, as words (little-endian), into the start of {@code into}. */
    public void words(int i, long[] into) {
        buffer.get(offset[i], into, 0, length[i] / 8);
    }

    /** The ranges of a batch past the {@code got} bytes read, through /proc/PID/mem. */
    private void reread(int first, int n, long got, long[] from, int[] length, long[] offset) {
        long seen = 0;
        for (int k = 0; k < n; k++) {
            int i = first + k;
            if (seen + length[i] > got) {
                byte[] bytes = memory.read(from[i], length[i]);
                buffer.put(offset[i], bytes, 0, bytes.length);
            }
            seen += length[i];
        }
    }
}
