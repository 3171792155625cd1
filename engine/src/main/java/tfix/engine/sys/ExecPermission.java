package tfix.engine.sys;

import java.nio.file.Path;

import jnr.ffi.Pointer;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/**
 * Exec permission events (fanotify FAN_OPEN_EXEC_PERM on one file): the kernel holds every execve of the file
 * until tfix answers, so tfix can seize the process before its first instruction. tfix always answers "allow";
 * if it dies, the kernel allows every pending exec itself (closing the group answers them). Root only
 * (CAP_SYS_ADMIN); every number of its ABI lives here.
 */
public final class ExecPermission implements AutoCloseable {
    private static final int FAN_CLOEXEC = 0x1, FAN_NONBLOCK = 0x2, FAN_CLASS_CONTENT = 0x4, FAN_MARK_ADD = 0x1;
    private static final long FAN_OPEN_EXEC_PERM = 0x00040000L;
    private static final int FAN_ALLOW = 0x1, FAN_NOFD = -1, O_RDONLY = 0, O_CLOEXEC = 0x80000, O_LARGEFILE = 0x8000;
    private static final int AT_FDCWD = -100, POLLIN = 1, METADATA_LEN = 24, METADATA_VERSION = 3;
    private final Native nat;
    private final int fd;
    private final Pointer buffer;
    private final Pointer pollFd;
    private final Pointer response;

    /** One exec held by the kernel: the process (thread group) exec'ing; {@link #allow} lets it go on. */
    public record Held(int pid, int eventFd) {
    }

    private ExecPermission(Native nat, int fd) {
        this.nat = nat;
        this.fd = fd;
        this.buffer = nat.allocate(4096);
        this.pollFd = nat.allocate(8);
        this.response = nat.allocate(8);
    }

    /** Marks {@code file}; fails naming the errno when the kernel refuses (not root, no fanotify permissions). */
    public static ExecPermission open(Native nat, Path file) {
        int fd = nat.libc().fanotify_init(FAN_CLOEXEC | FAN_NONBLOCK | FAN_CLASS_CONTENT, O_RDONLY | O_CLOEXEC | O_LARGEFILE);
        if (fd < 0) {
            throw refused(nat, "fanotify_init");
        }
        if (nat.libc().fanotify_mark(fd, FAN_MARK_ADD, FAN_OPEN_EXEC_PERM, AT_FDCWD, file.toString()) != 0) {
            TfixException e = refused(nat, "fanotify_mark");
            nat.libc().close(fd);
            throw e;
        }
        return new ExecPermission(nat, fd);
    }

    private static TfixException refused(Native nat, String call) {
        return new TfixException(Reason.PERMISSION, "exec permission events refused (" + call + "): " + nat.describe(nat.errno()));
    }

    /** The execs held now, waiting up to {@code timeoutMillis} for one. Each must be answered with {@link #allow}. */
    public java.util.List<Held> next(int timeoutMillis) {
        pollFd.putInt(0, fd);
        pollFd.putShort(4, (short) POLLIN);
        pollFd.putShort(6, (short) 0);
        if (nat.libc().poll(pollFd, 1, timeoutMillis) <= 0) {
            return java.util.List.of();
        }
        long n = nat.libc().read(fd, buffer, 4096);
        java.util.List<Held> held = new java.util.ArrayList<>();
        long at = 0;
        while (at + METADATA_LEN <= n) {
            int len = buffer.getInt(at);
            if (len < METADATA_LEN || buffer.getByte(at + 4) != METADATA_VERSION) {
                break;
            }
            int eventFd = buffer.getInt(at + 16);
            int pid = buffer.getInt(at + 20);
            if (eventFd != FAN_NOFD) {
                held.add(new Held(pid, eventFd));
            }
            at += len;
        }
        return held;
    }

    /** Lets the exec go on and closes the event's descriptor. */
    public void allow(Held h) {
        response.putInt(0, h.eventFd());
        response.putInt(4, FAN_ALLOW);
        nat.libc().write(fd, response, 8);
        nat.libc().close(h.eventFd());
    }

    @Override
    public void close() {
        nat.libc().close(fd); // answers every exec still held with "allow"
    }
}
