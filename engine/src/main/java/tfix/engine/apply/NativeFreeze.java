package tfix.engine.apply;

import static tfix.engine.ptrace.NativeStop.*;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

import jnr.ffi.Pointer;
import tfix.engine.elf.ProcessSymbols;
import tfix.engine.process.Maps;
import tfix.engine.process.MemoryMap;
import tfix.engine.ptrace.NativeStop;
import tfix.engine.ptrace.Tracee;
import tfix.engine.sys.Native;

/**
 * The freeze made in one native call (ptrace's {@link NativeStop}): this side lays out, before the stop,
 * everything the call needs (threads, the maps that hold stacks, each site's range and bytes, the ranges no
 * stack word may point into, a touched buffer for every stack window, an open /proc/PID/mem), and words a
 * refusal after it. The checks are {@link ThreadCheck}'s and {@link StackCheck}'s, made in C.
 */
final class NativeFreeze implements AutoCloseable {
    /** Why a thread is in the way, as freeze.c reports it. */
    private static final int AT_RIP = 1, RESTART = 2, RETURN_INTO = 3, EXECUTING_OLD = 4, OLD_ON_STACK = 5;
    private static final int O_RDWR = 2, O_CLOEXEC = 0x80000;
    /** The longest write freeze.c takes; longer ones go the Java way. */
    private static final int MAX_WRITE = 64;
    /** Every stack window in one buffer at most this large (ThreadCheck's limit); a larger process goes the Java way. */
    private static final long MAX_STACKS = 32L << 20;
    private final Tracee tracee;
    private final NativeStop stop;
    private final ProcessSymbols symbols;
    private final boolean stackCheck;
    private final int scan;
    private int memFd = -1;
    private Pointer stacks;
    private Pointer in;
    private Pointer out;
    private Pointer bytes;
    private List<Integer> tids;
    private List<Write> writes;

    /** What one native attempt did: the library's result and the ends of its phases (System.nanoTime). */
    record Attempt(int result, long start, long stopped, long checked, long written, long resumed, String busy) {
    }

    private NativeFreeze(Tracee tracee, NativeStop stop, ProcessSymbols symbols, boolean stackCheck) {
        this.tracee = tracee;
        this.stop = stop;
        this.symbols = symbols;
        this.stackCheck = stackCheck;
        this.scan = stackCheck ? StackCheck.FUNCTION_SCAN : StackCheck.SITE_SCAN;
    }

    /** The native freeze for these writes, or null when the Java path must make it (no library, import slots). */
    static NativeFreeze of(Tracee tracee, ProcessSymbols symbols, boolean stackCheck, List<Write> writes) {
        NativeStop stop = NativeStop.of(tracee);
        if (stop == null || writes.isEmpty() || writes.stream().anyMatch(w -> w.data() || w.length() > MAX_WRITE
                || w.before().length != w.length())) {
            return null; // an import slot's check looks into the loader's code (LoaderCheck): Java's
        }
        return new NativeFreeze(tracee, stop, symbols, stackCheck);
    }

    /** Before the stop: lays out one attempt. False when this attempt must go the Java way (a thread is stopped). */
    boolean prepare(Maps maps, List<Write> writes, Duration stopTimeout) {
        if (!stop.ready()) {
            return false;
        }
        Native nat = stop.nat();
        if (memFd < 0) {
            memFd = nat.libc().open("/proc/" + tracee.pid() + "/mem", O_RDWR | O_CLOEXEC);
            if (memFd < 0) {
                return false;
            }
        }
        this.writes = writes;
        tids = tracee.threadIds();
        int n = tids.size();
        long room = (long) n * scan;
        if (room > MAX_STACKS) {
            return false;
        }
        if (stacks == null || stacks.size() < room) {
            stacks = nat.allocate((int) Math.min(room + (long) (n / 4 + 8) * scan, MAX_STACKS));
            stacks.setMemory(0, stacks.size(), (byte) 0); // touched now, not inside the stop
        }
        MemoryMap[] sorted = maps.entries().toArray(new MemoryMap[0]);
        Arrays.sort(sorted, (a, b) -> Long.compareUnsigned(a.start(), b.start()));
        long[][] ranges = ranges(writes);
        int longs = IN_HDR + n + 2 * sorted.length + 8 * writes.size() + 8 * ranges.length;
        in = nat.allocate(8 * longs);
        out = nat.allocate(8 * NativeStop.outLongs(n));
        bytes = nat.allocate(Math.max(1, writes.stream().mapToInt(w -> 2 * w.length()).sum()));
        long[] v = new long[longs];
        v[IN_PID] = tracee.pid();
        v[IN_MEMFD] = memFd;
        v[IN_THREADS] = n;
        v[IN_MAPS] = sorted.length;
        v[IN_SITES] = writes.size();
        v[IN_RANGES] = ranges.length;
        v[IN_SCAN] = scan;
        v[IN_TIMEOUT] = stopTimeout.toNanos();
        v[IN_STACKBUF] = stacks.address();
        v[IN_STACKCAP] = stacks.size();
        v[IN_BYTES] = bytes.address();
        int at = IN_HDR;
        for (int tid : tids) {
            v[at++] = tid;
        }
        for (MemoryMap m : sorted) {
            v[at++] = m.start();
            v[at++] = m.end();
        }
        int offset = 0;
        for (Write w : writes) {
            bytes.put(offset, w.before(), 0, w.length());
            bytes.put(offset + w.length(), w.after(), 0, w.length());
            v[at] = w.address();
            v[at + 1] = w.length();
            v[at + 2] = w.entry();
            v[at + 3] = stackCheck && w.replacing()
                    ? Math.max(w.functionSize(), w.length() + (w.address() - w.entry())) : 0; // Write.inFunction's span
            v[at + 4] = w.replacing() ? 1 : 0;
            v[at + 5] = offset;
            v[at + 6] = offset + w.length();
            offset += 2 * w.length();
            at += 8;
        }
        for (long[] r : ranges) {
            System.arraycopy(r, 0, v, at, 5);
            at += 8;
        }
        in.put(0, v, 0, v.length);
        return true;
    }

    /**
     * The ranges no stack word may point into, sorted by start, each with the largest end so far (they may overlap):
     * a site's bytes past its first, and with safety 'stack' the old function past its entry (see ThreadCheck).
     */
    private long[][] ranges(List<Write> writes) {
        List<long[]> list = new ArrayList<>();
        for (int s = 0; s < writes.size(); s++) {
            Write w = writes.get(s);
            list.add(new long[] {w.address() + 1, w.address() + w.length(), 0, s, RETURN_INTO});
            if (stackCheck && w.replacing()) {
                list.add(new long[] {w.entry() + 1, w.entry() + Math.max(w.functionSize(), 1), 0, s, OLD_ON_STACK});
            }
        }
        list.removeIf(r -> r[1] <= r[0]);
        list.sort(Comparator.comparingLong(r -> r[0]));
        long max = Long.MIN_VALUE;
        for (long[] r : list) {
            max = Math.max(max, r[1]);
            r[2] = max;
        }
        return list.toArray(new long[0][]);
    }

    /** The attempt laid out by {@link #prepare}: on FALLBACK every thread is stopped, for the Java path to go on. */
    Attempt run(Duration stopTimeout) {
        int result = stop.run(in, out, tids, stopTimeout);
        long resumed = Math.max(out.getLong(8L * OUT_T_RESUMED), stop.javaResumedAt());
        return new Attempt(result, out.getLong(8L * OUT_T_START), out.getLong(8L * OUT_T_STOPPED),
                out.getLong(8L * OUT_T_CHECKED), out.getLong(8L * OUT_T_WRITTEN), resumed, result == BUSY ? busy() : null);
    }

    /** After ROLLBACK_FAILED: the sites the library began to write (each it could not put back among them). */
    List<Write> written() {
        return writes.subList(0, (int) Math.min(out.getLong(8L * OUT_BUSY_SITE) + 1, writes.size()));
    }

    private String busy() {
        int i = (int) out.getLong(8L * OUT_BUSY_THREAD);
        int tid = tids.get(i);
        Write w = writes.get((int) out.getLong(8L * OUT_BUSY_SITE));
        long value = out.getLong(8L * OUT_BUSY_VALUE), place = out.getLong(8L * OUT_BUSY_PLACE);
        return switch ((int) out.getLong(8L * OUT_BUSY_KIND)) {
            case AT_RIP -> InTheWay.executing(tid, w, symbols.describe(value));
            case RESTART -> InTheWay.restarting(tid, w);
            case RETURN_INTO -> InTheWay.returning(tid, w, InTheWay.word(value, place));
            case EXECUTING_OLD -> InTheWay.onStack(tid, w, "executing it");
            case OLD_ON_STACK -> InTheWay.onStack(tid, w, InTheWay.word(value, place));
            default -> "thread " + tid + " is in the way";
        };
    }

    @Override
    public void close() {
        if (memFd >= 0) {
            stop.nat().libc().close(memFd);
            memFd = -1;
        }
    }
}
