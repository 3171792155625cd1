package tfix.engine.sys;

import java.util.ArrayList;
import java.util.List;

import jnr.ffi.Pointer;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/**
 * The kernel's process events connector (netlink NETLINK_CONNECTOR, group CN_IDX_PROC): an exec event the moment
 * a process replaces its program. Root only (CAP_NET_ADMIN). Every number of its ABI lives here.
 */
public final class ProcConnector implements AutoCloseable {
    private static final int AF_NETLINK = 16, SOCK_DGRAM = 2, SOCK_CLOEXEC = 0x80000, NETLINK_CONNECTOR = 11;
    private static final int CN_IDX_PROC = 1, CN_VAL_PROC = 1, PROC_CN_MCAST_LISTEN = 1, PROC_CN_MCAST_IGNORE = 2;
    private static final int NLMSG_DONE = 3, SOL_SOCKET = 1, SO_RCVTIMEO = 20, SO_RCVBUF = 8;
    private static final int NLMSG_HDR = 16, CN_MSG = 20, PROC_EVENT_EXEC = 2;
    private static final int ENOBUFS = 105;
    private final Native nat;
    private final int fd;
    private final Pointer buffer;

    /** What one receive brought: the thread group ids that exec'd, or an overrun (events lost: rescan /proc). */
    public record Events(List<Integer> execs, boolean overrun) {
    }

    private ProcConnector(Native nat, int fd) {
        this.nat = nat;
        this.fd = fd;
        this.buffer = nat.allocate(8192);
    }

    /** Opens and subscribes; fails (with the errno named) when the kernel refuses: not root, or no connector. */
    public static ProcConnector open(Native nat, int pollMillis) {
        LibC libc = nat.libc();
        int fd = libc.socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);
        if (fd < 0) {
            throw refused(nat, "socket");
        }
        ProcConnector c = new ProcConnector(nat, fd);
        try {
            Pointer addr = nat.allocate(12); // sockaddr_nl: family, pad, pid (0: the kernel picks), groups
            addr.putShort(0, (short) AF_NETLINK);
            addr.putInt(4, 0);
            addr.putInt(8, CN_IDX_PROC);
            if (libc.bind(fd, addr, 12) != 0) {
                throw refused(nat, "bind");
            }
            Pointer tv = nat.allocate(16); // struct timeval: receives wake up to let the caller check for a stop
            tv.putLong(0, pollMillis / 1000);
            tv.putLong(8, (pollMillis % 1000) * 1000L);
            libc.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, tv, 16);
            Pointer size = nat.allocate(4);
            size.putInt(0, 1 << 20); // a burst of execs (a build) must not overrun it
            libc.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, size, 4);
            c.control(PROC_CN_MCAST_LISTEN);
            return c;
        } catch (RuntimeException e) {
            libc.close(fd);
            throw e;
        }
    }

    private static TfixException refused(Native nat, String call) {
        return new TfixException(Reason.PERMISSION, "the process events connector refused " + call + ": "
                + nat.describe(nat.errno()));
    }

    private void control(int op) {
        Pointer m = nat.allocate(NLMSG_HDR + CN_MSG + 4);
        int len = NLMSG_HDR + CN_MSG + 4;
        m.putInt(0, len);
        m.putShort(4, (short) NLMSG_DONE);
        m.putInt(NLMSG_HDR, CN_IDX_PROC);
        m.putInt(NLMSG_HDR + 4, CN_VAL_PROC);
        m.putShort(NLMSG_HDR + 16, (short) 4);
        m.putInt(NLMSG_HDR + CN_MSG, op);
        if (nat.libc().send(fd, m, len, 0) != len) {
            throw refused(nat, "the subscription");
        }
    }

    /** Waits for events up to the receive time-out given at open; none when it passed. */
    public Events receive() {
        long n = nat.libc().recv(fd, buffer, 8192, 0);
        if (n < 0) {
            int errno = nat.errno();
            if (errno == ENOBUFS) {
                return new Events(List.of(), true);
            }
            if (errno == Errno.EAGAIN || errno == Errno.EINTR) {
                return new Events(List.of(), false);
            }
            throw new TfixException(Reason.PERMISSION, "the process events connector failed: " + nat.describe(errno));
        }
        List<Integer> execs = new ArrayList<>();
        long at = 0;
        // The kernel's input is trusted here, yet lengths are bounded: a short message ends the walk.
        while (at + NLMSG_HDR + CN_MSG + 24 <= n) {
            int len = buffer.getInt(at);
            long event = at + NLMSG_HDR + CN_MSG;
            if (buffer.getInt(event) == PROC_EVENT_EXEC) {
                execs.add(buffer.getInt(event + 16 + 4)); // event_data.exec: process_pid, process_tgid
            }
            if (len < NLMSG_HDR) {
                break;
            }
            at += (len + 3) & ~3;
        }
        return new Events(execs, false);
    }

    @Override
    public void close() {
        try {
            control(PROC_CN_MCAST_IGNORE);
        } catch (RuntimeException e) {
            // closing drops the subscription anyway
        }
        nat.libc().close(fd);
    }
}
