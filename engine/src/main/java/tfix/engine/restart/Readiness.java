package tfix.engine.restart;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import tfix.engine.sys.Syscalls;

/**
 * Whether a freshly started program serves yet, read from /proc without stopping it: ready once one of its threads
 * waits for a client on an inherited socket, in accept (or recvfrom and its kin, for UDP) on it, or in an epoll
 * wait whose interest list holds it. Waiting there is the moment the kernel can hand it connections; a program
 * still reading its configuration has none of these.
 */
public final class Readiness {
    public enum State { STARTING, READY, EXITED }

    private Readiness() {
    }

    public static State of(int pid, Set<Long> inherited) {
        Path proc = Path.of("/proc", Integer.toString(pid));
        if (!alive(proc)) {
            return State.EXITED;
        }
        Map<Integer, Long> fds = SocketTable.socketFds(pid);
        try (var tasks = Files.list(proc.resolve("task"))) {
            for (Path task : tasks.toList()) {
                if (waitsForClients(proc, task, fds, inherited)) {
                    return State.READY;
                }
            }
        } catch (IOException e) {
            return alive(proc) ? State.STARTING : State.EXITED;
        }
        return State.STARTING;
    }

    /** Running or sleeping; a zombie (its parent, the old program, may never reap it) or no process has exited. */
    static boolean alive(Path proc) {
        try {
            String stat = Files.readString(proc.resolve("stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static boolean waitsForClients(Path proc, Path task, Map<Integer, Long> fds, Set<Long> inherited) {
        String[] f;
        try {
            f = Files.readString(task.resolve("syscall")).trim().split("\\s+");
        } catch (IOException e) {
            return false;
        }
        if (f.length < 3 || f[0].equals("running") || f[0].startsWith("-")) {
            return false;
        }
        try {
            int nr = Integer.parseInt(f[0]);
            int fd = (int) Long.parseUnsignedLong(f[1].substring(2), 16);
            if (nr == Syscalls.ACCEPT || nr == Syscalls.ACCEPT4 || nr == Syscalls.RECVFROM || nr == Syscalls.RECVMSG) {
                return inherited.contains(fds.get(fd));
            }
            if (nr == Syscalls.EPOLL_WAIT || nr == Syscalls.EPOLL_PWAIT || nr == Syscalls.EPOLL_PWAIT2) {
                return EpollInterest.of(proc, fd).stream().anyMatch(t -> inherited.contains(fds.get(t)));
            }
        } catch (RuntimeException e) {
            return false; // a line this reader does not know: not ready by it
        }
        return false;
    }
}
