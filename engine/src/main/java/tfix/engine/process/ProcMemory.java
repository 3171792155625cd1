package tfix.engine.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/**
 * The target's memory through /proc/PID/mem. As root this also writes read-only
 * code pages (the kernel breaks copy-on-write), so code pages never become writable.
 * Or, for a process reached through its agent, the same file read and written by the process itself.
 */
public final class ProcMemory implements AutoCloseable {
    private final int pid;
    private final Access channel;

    /** Where the bytes go: positional reads and writes, as FileChannel has them. */
    public interface Access {
        int read(ByteBuffer into, long address) throws IOException;

        int write(ByteBuffer from, long address) throws IOException;

        void close() throws IOException;
    }

    /** The memory of a process through another route (its agent). */
    public ProcMemory(int pid, Access access) {
        this.pid = pid;
        this.channel = access;
    }

    public ProcMemory(int pid) {
        this.pid = pid;
        try {
            FileChannel mem = FileChannel.open(Path.of("/proc", Integer.toString(pid), "mem"),
                    StandardOpenOption.READ, StandardOpenOption.WRITE);
            this.channel = new Access() {
                @Override
                public int read(ByteBuffer into, long address) throws IOException {
                    return mem.read(into, address);
                }

                @Override
                public int write(ByteBuffer from, long address) throws IOException {
                    return mem.write(from, address);
                }

                @Override
                public void close() throws IOException {
                    mem.close();
                }
            };
        } catch (AccessDeniedException e) {
            throw deniedMem(pid);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open /proc/" + pid + "/mem", e);
        }
    }

    /**
     * Tracing a process of another user needs CAP_SYS_PTRACE, but /proc/PID/mem is also a file of that user (of
     * root, for an undumpable process), mode 0600: a tfix that is not root needs CAP_DAC_OVERRIDE to open it.
     */
    private static TfixException deniedMem(int pid) {
        String owner = "?", self = "?";
        try {
            owner = Files.getAttribute(Path.of("/proc", Integer.toString(pid), "mem"), "unix:uid").toString();
            self = Files.getAttribute(Path.of("/proc/self"), "unix:uid").toString();
        } catch (IOException | RuntimeException ignored) {
            // the line still names the file and the capability
        }
        return new TfixException(Reason.PERMISSION, "permission denied opening /proc/" + pid + "/mem (owned by uid " + owner
                + "; tfix runs as uid " + self + "): CAP_SYS_PTRACE lets tfix trace the process, but reading and writing its"
                + " memory through that file also takes CAP_DAC_OVERRIDE: run tfix as root, as uid " + owner
                + ", or add cap_dac_override; nothing was changed");
    }

    public byte[] read(long address, int length) {
        ByteBuffer buf = ByteBuffer.allocate(length);
        try {
            while (buf.hasRemaining()) {
                int n = channel.read(buf, address + buf.position());
                if (n <= 0) {
                    throw new IOException("short read");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(String.format("cannot read %d bytes at %#x in pid %d", length, address, pid), e);
        }
        return buf.array();
    }

    public long readLong(long address) {
        return ByteBuffer.wrap(read(address, 8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /** Writes all bytes with one pwrite, so a site is never seen half-written by a stopped process. */
    public void write(long address, byte[] bytes) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        try {
            int n = channel.write(buf, address);
            if (n != bytes.length) {
                throw new IOException("short write of " + n + " bytes");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(String.format("cannot write %d bytes at %#x in pid %d", bytes.length, address, pid), e);
        }
    }

    public static String hex(byte[] bytes) {
        return HexFormat.ofDelimiter(" ").formatHex(bytes);
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing useful to do: the descriptor is released either way.
        }
    }
}
