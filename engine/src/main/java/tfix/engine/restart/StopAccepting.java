package tfix.engine.restart;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.function.IntConsumer;
import java.util.stream.Collectors;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.remote.RemoteCaller;
import tfix.engine.remote.RemoteLibc;
import tfix.engine.sys.SocketAbi;
import tfix.engine.sys.Syscalls;

/**
 * Makes the old program stop accepting, through calls in it, without closing the socket it shares with the new one.
 *
 * <p>Closing the listening fd would not do: an epoll entry belongs to the open file description, which the new
 * program keeps open, so the old program's epoll would go on reporting the fd ready and its accept(fd) would fail
 * with EBADF (many servers then give up or spin). Instead each of its epoll instances first drops the listener
 * (EPOLL_CTL_DEL, while the fd still names it), then a stand-in takes the fd number with dup3: a listening Unix
 * socket on an autobound abstract name nobody knows, of the same type and blocking mode. accept on it blocks, or
 * says EAGAIN, for good; the real socket stays open in the new program, so no connect is ever refused. A thread
 * already blocked in accept on the real socket holds that file until it returns: it is stopped and resumed (a
 * ptrace interrupt), and the kernel restarts its accept, which looks the fd up again and finds the stand-in.
 */
public final class StopAccepting {
    private static final Set<Integer> RECEIVES = Set.of(Syscalls.ACCEPT, Syscalls.ACCEPT4, Syscalls.RECVFROM, Syscalls.RECVMSG);
    private final RemoteLibc libc;
    private final ProcFiles proc;

    public StopAccepting(RemoteLibc libc, int pid) {
        this(libc, ProcFiles.of(pid));
    }

    /** {@code proc}: the old program's /proc, read through its agent when it forbids ptrace. */
    public StopAccepting(RemoteLibc libc, ProcFiles proc) {
        this.libc = libc;
        this.proc = proc;
    }

    /** {@code listeners}: every fd of the process that names a handed-over socket; {@code kick}: stop and resume a thread. */
    public void run(List<Listener> listeners, IntConsumer kick) {
        Set<Integer> fds = listeners.stream().map(Listener::fd).collect(Collectors.toSet());
        for (int ep : EpollInterest.instances(proc)) {
            for (int tfd : EpollInterest.of(proc, ep)) {
                if (fds.contains(tfd)) {
                    // ENOENT (registered under another file) is fine: then it is not this socket's entry.
                    libc.callLockFree("epoll_ctl(DEL) of fd " + tfd, "epoll_ctl", v(ep), v(SocketAbi.EPOLL_CTL_DEL), v(tfd),
                            new RemoteCaller.Buffer(new byte[16]));
                }
            }
        }
        for (Listener l : listeners) {
            standIn(l);
        }
        for (int tid : waitingOn(proc, fds)) {
            kick.accept(tid);
        }
    }

    private void standIn(Listener l) {
        // The blocking mode the old program chose, read before the spawn: the socket's own flag is shared, and the
        // new program may have changed it since.
        int status = l.statusFlags();
        int fdFlags = (int) libc.callLockFree("fcntl(F_GETFD)", "fcntl", v(l.fd()), v(SocketAbi.F_GETFD), v(0));
        if (fdFlags < 0) {
            throw new TfixException(Reason.TARGET_REFUSED, "the old program's " + l + " could not be read (fcntl)");
        }
        int type = l.socketType() | SocketAbi.SOCK_CLOEXEC | ((status & SocketAbi.O_NONBLOCK) != 0 ? SocketAbi.SOCK_NONBLOCK : 0);
        int ph = (int) libc.callLockFree("socket(AF_UNIX)", "socket", v(SocketAbi.AF_UNIX), v(type), v(0));
        if (ph < 0) {
            throw new TfixException(Reason.TARGET_REFUSED, "the old program could not make a stand-in socket for " + l);
        }
        try {
            // An address of the family alone asks for an autobound abstract name.
            int bound = (int) libc.callLockFree("bind (autobind)", "bind", v(ph), new RemoteCaller.Buffer(new byte[] {SocketAbi.AF_UNIX, 0}), v(2));
            int listening = l.stream() ? (int) libc.callLockFree("listen", "listen", v(ph), v(1)) : 0;
            int flags = (fdFlags & SocketAbi.FD_CLOEXEC) != 0 ? SocketAbi.O_CLOEXEC : 0;
            if (bound != 0 || listening != 0 || (int) libc.callLockFree("dup3 onto fd " + l.fd(), "dup3", v(ph), v(l.fd()), v(flags)) != l.fd()) {
                throw new TfixException(Reason.TARGET_REFUSED, "the old program could not put a stand-in in place of " + l);
            }
        } finally {
            libc.close(ph);
        }
    }

    /** Threads of the process blocked in accept (or a receive) on one of these fds. */
    private static List<Integer> waitingOn(ProcFiles proc, Set<Integer> fds) {
        try {
            return proc.entries("task").keySet().stream().filter(t -> {
                try {
                    String[] f = proc.text("task/" + t + "/syscall").trim().split("\\s+");
                    return f.length > 2 && !f[0].equals("running") && !f[0].startsWith("-") && RECEIVES.contains(Integer.parseInt(f[0]))
                            && fds.contains((int) Long.parseUnsignedLong(f[1].substring(2), 16));
                } catch (IOException | RuntimeException e) {
                    return false;
                }
            }).map(Integer::parseInt).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static RemoteCaller.Arg v(long value) {
        return RemoteCaller.value(value);
    }
}
