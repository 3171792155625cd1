package tfix.engine.sys;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import jnr.ffi.Pointer;

/**
 * Opens a file only if it is a regular file of bounded size, without ever blocking: the path
 * may come from a target's record or maps, or be swapped by someone else, for a FIFO (an open
 * for reading would wait for a writer for ever) or a device such as /dev/zero (a read would
 * never end). The open is O_NONBLOCK (and O_NOFOLLOW when asked), and the check is fstat on
 * what was opened, so no swap between a check and the open can get past it. The channel
 * returned reads the opened file itself (through /proc/self/fd).
 */
public final class RegularFiles {
    private static final int SYS_OPEN = 2, SYS_CLOSE = 3, SYS_FSTAT = 5;
    private static final int O_RDONLY = 0, O_NONBLOCK = 04000, O_NOFOLLOW = 0400000, O_CLOEXEC = 02000000;
    private static final int S_IFMT = 0170000, S_IFREG = 0100000, S_IFIFO = 0010000, S_IFCHR = 0020000,
            S_IFBLK = 0060000, S_IFDIR = 0040000, S_IFSOCK = 0140000, S_IFLNK = 0120000;
    /** struct stat on x86-64: 144 bytes, st_mode at 24, st_size at 48. */
    private static final int STAT_SIZE = 144, ST_MODE = 24, ST_SIZE = 48;

    private RegularFiles() {
    }

    /** The libc binding, loaded on first use: most runs never open a file this way. */
    private static final class Holder {
        static final Native NATIVE = new Native();
    }

    /**
     * A read-only channel on {@code file} if it is a regular file of at most {@code maxSize} bytes;
     * with {@code followLink} false, a symbolic link as the last component is refused too.
     * Fails with an IOException whose message says what the file is instead.
     */
    public static FileChannel open(Path file, long maxSize, boolean followLink) throws IOException {
        Native n = Holder.NATIVE;
        byte[] name = file.toString().getBytes(StandardCharsets.UTF_8);
        Pointer path = n.allocate(name.length + 1);
        path.put(0, name, 0, name.length);
        path.putByte(name.length, (byte) 0);
        int flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | (followLink ? 0 : O_NOFOLLOW);
        long fd = n.libc().syscall(SYS_OPEN, path.address(), flags, 0);
        if (fd < 0) {
            int errno = n.errno();
            throw new IOException(errno == Errno.ELOOP && !followLink ? "it is a symbolic link (tfix opens only the file itself)"
                    : n.describe(errno));
        }
        try {
            Pointer st = n.allocate(STAT_SIZE);
            if (n.libc().syscall(SYS_FSTAT, fd, st.address(), 0) != 0) {
                throw new IOException("fstat failed: " + n.describe(n.errno()));
            }
            int mode = st.getInt(ST_MODE);
            if ((mode & S_IFMT) != S_IFREG) {
                throw new IOException("it is " + kind(mode) + ", not a regular file");
            }
            long size = st.getLong(ST_SIZE);
            if (size > maxSize) {
                throw new IOException("it holds " + size + " bytes, more than the " + maxSize + " tfix reads");
            }
            return FileChannel.open(Path.of("/proc/self/fd/" + fd), StandardOpenOption.READ);
        } finally {
            n.libc().syscall(SYS_CLOSE, fd, 0, 0);
        }
    }

    /** All of a regular file's bytes, as {@link #open} allows. */
    public static byte[] readAll(Path file, long maxSize, boolean followLink) throws IOException {
        try (FileChannel ch = open(file, maxSize, followLink)) {
            long size = ch.size();
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate((int) Math.min(size, maxSize));
            while (buf.hasRemaining() && ch.read(buf) > 0) {
                // a file that shrank meanwhile gives what it holds
            }
            return buf.position() == buf.capacity() ? buf.array() : java.util.Arrays.copyOf(buf.array(), buf.position());
        }
    }

    private static String kind(int mode) {
        return switch (mode & S_IFMT) {
            case S_IFIFO -> "a FIFO";
            case S_IFCHR -> "a character device";
            case S_IFBLK -> "a block device";
            case S_IFDIR -> "a folder";
            case S_IFSOCK -> "a socket";
            case S_IFLNK -> "a symbolic link";
            default -> String.format("of type %o", mode & S_IFMT);
        };
    }
}
