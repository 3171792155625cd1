package tfix.engine.restart;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Whether a freshly started program serves yet, read from /proc without stopping it: ready once one of its threads
 * waits for a client on an inherited socket, in accept (or recvfrom and its kin, for UDP) on it, in an epoll wait
 * whose interest list holds it, or in a poll/ppoll/select/pselect6 whose set holds it ({@link ThreadWaits}).
 * Waiting there is the moment the kernel can hand it connections; a program still reading its configuration has
 * none of these. A program may also say so itself (READY=1, {@link NotifyListener}).
 */
public final class Readiness {
    public enum State { STARTING, READY, EXITED }

    private Readiness() {
    }

    public static State of(int pid, Set<Long> inherited) {
        return of(ProcFiles.of(pid), inherited);
    }

    /** {@code proc}: the new program's /proc, read through its agent when it forbids ptrace. */
    public static State of(ProcFiles proc, Set<Long> inherited) {
        Path stat = Path.of("/proc", Integer.toString(proc.pid())); // stat stays readable to all
        if (!alive(stat)) {
            return State.EXITED;
        }
        Map<Integer, Long> fds = SocketTable.socketFds(proc);
        try {
            for (String task : proc.entries("task").keySet()) {
                if (ThreadWaits.of(proc, task).stream().anyMatch(fd -> inherited.contains(fds.get(fd)))) {
                    return State.READY;
                }
            }
        } catch (IOException | RuntimeException e) {
            return alive(stat) ? State.STARTING : State.EXITED;
        }
        return State.STARTING;
    }

    /**
     * The handed-over sockets the new program has not taken: {@code sockets.get(i)} was its fd 3+i; untaken when
     * that fd still names the socket and neither a thread waits on it nor an epoll instance watches it. A program
     * that read LISTEN_FDS and kept fd 3+i for later use is not told apart from one that ignores it: hence the grace
     * the caller gives before asking.
     */
    public static List<Integer> untaken(int pid, List<Listener> sockets) {
        return untaken(ProcFiles.of(pid), sockets);
    }

    public static List<Integer> untaken(ProcFiles proc, List<Listener> sockets) {
        Map<Integer, Long> fds = SocketTable.socketFds(proc);
        Set<Integer> taken = ThreadWaits.taken(proc);
        return java.util.stream.IntStream.range(0, sockets.size()).map(i -> 3 + i)
                .filter(fd -> Long.valueOf(sockets.get(fd - 3).inode()).equals(fds.get(fd)) && !taken.contains(fd))
                .boxed().toList();
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
}
