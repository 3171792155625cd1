package tfix.engine.restart;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The listening sockets of a process, and the connections it accepted on them, read from /proc without ptrace. */
public final class Listeners {
    private Listeners() {
    }

    /** Every descriptor of the process that is a listening socket (or an unconnected bound UDP socket), by fd. */
    public static List<Listener> of(int pid) {
        return of(ProcFiles.of(pid));
    }

    public static List<Listener> of(ProcFiles proc) {
        Map<Long, SocketTable.Entry> table = SocketTable.read(proc.pid());
        List<Listener> found = new ArrayList<>();
        SocketTable.socketFds(proc).forEach((fd, inode) -> {
            SocketTable.Entry e = table.get(inode);
            // The agent's own control socket is no service's: it stays with the old process (the new one makes its own).
            if (e != null && e.listening() && !(e.kind().equals("unix") && e.address().startsWith("@tfix-agent-"))) {
                found.add(new Listener(fd, inode, e.kind(), e.socketType(), e.address(), e.port(),
                        OpenDescriptors.statusFlags(proc, fd)));
            }
        });
        found.sort(Comparator.comparingInt(Listener::fd));
        return found;
    }

    /** One descriptor per socket (a socket dup'ed in the process is handed over once), lowest fd first. */
    public static List<Listener> distinct(List<Listener> all) {
        Map<Long, Listener> one = new LinkedHashMap<>();
        all.forEach(l -> one.putIfAbsent(l.inode(), l));
        return List.copyOf(one.values());
    }

    /**
     * The inodes of the connections the process holds that were accepted on one of these listeners: TCP sockets
     * on a listener's port that do not listen, Unix stream sockets that carry a listener's path.
     */
    public static Set<Long> connections(ProcFiles proc, List<Listener> listeners) {
        Set<Integer> ports = new HashSet<>();
        Set<String> paths = new HashSet<>();
        Set<Long> listening = new HashSet<>();
        for (Listener l : listeners) {
            listening.add(l.inode());
            if (l.kind().startsWith("tcp")) {
                ports.add(l.port());
            } else if (l.kind().equals("unix") && !l.address().equals("(unnamed)")) {
                paths.add(l.address());
            }
        }
        Map<Long, SocketTable.Entry> table = SocketTable.read(proc.pid());
        Set<Long> open = new HashSet<>();
        for (long inode : SocketTable.socketFds(proc).values()) {
            SocketTable.Entry e = table.get(inode);
            if (e == null || e.listening() || listening.contains(inode)) {
                continue;
            }
            if (e.kind().startsWith("tcp") && ports.contains(e.port()) || e.kind().equals("unix") && paths.contains(e.address())) {
                open.add(inode);
            }
        }
        return open;
    }

    /**
     * How many of {@code inodes} the process still has open (0 once it is gone). When its fd/ is kept from tfix
     * (it forbids ptrace), its network namespace's socket tables still list a connection until it is closed (a
     * closed TCP socket lingers there with inode 0), and connections are not shared with the new program.
     */
    public static int stillOpen(int pid, Set<Long> inodes) {
        java.util.Collection<Long> held;
        try {
            held = SocketTable.socketFdsOrFail(ProcFiles.of(pid)).values();
        } catch (java.nio.file.AccessDeniedException e) {
            held = SocketTable.read(pid).keySet();
        } catch (java.io.IOException e) {
            return 0;
        }
        return (int) held.stream().filter(inodes::contains).distinct().count();
    }
}
