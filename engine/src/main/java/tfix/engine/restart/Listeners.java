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
        Map<Long, SocketTable.Entry> table = SocketTable.read(pid);
        List<Listener> found = new ArrayList<>();
        SocketTable.socketFds(pid).forEach((fd, inode) -> {
            SocketTable.Entry e = table.get(inode);
            if (e != null && e.listening()) {
                found.add(new Listener(fd, inode, e.kind(), e.socketType(), e.address(), e.port(),
                        OpenDescriptors.statusFlags(pid, fd)));
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
    public static Set<Long> connections(int pid, List<Listener> listeners) {
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
        Map<Long, SocketTable.Entry> table = SocketTable.read(pid);
        Set<Long> open = new HashSet<>();
        for (long inode : SocketTable.socketFds(pid).values()) {
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

    /** How many of {@code inodes} the process still has open (0 once it is gone). */
    public static int stillOpen(int pid, Set<Long> inodes) {
        return (int) SocketTable.socketFds(pid).values().stream().filter(inodes::contains).distinct().count();
    }
}
