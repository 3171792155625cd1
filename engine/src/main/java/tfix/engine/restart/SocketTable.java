package tfix.engine.restart;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The sockets of a network namespace as /proc/PID/net shows them, by inode: read through the process's own
 * /proc so that a process in a container is seen in its namespace. What is read is the target's, so a line that
 * does not parse is skipped, never trusted.
 */
final class SocketTable {
    /** One socket: kind, type (1 stream, 2 datagram, 5 seqpacket), local address, port, and whether it listens. */
    record Entry(String kind, int socketType, String address, int port, boolean listening) {
    }

    private static final int TCP_LISTEN = 0x0A, UDP_UNCONNECTED = 0x07, SO_ACCEPTCON = 0x10000;

    private SocketTable() {
    }

    static Map<Long, Entry> read(int pid) {
        Map<Long, Entry> all = new HashMap<>();
        Path net = Path.of("/proc", Integer.toString(pid), "net");
        for (String kind : List.of("tcp", "tcp6", "udp", "udp6")) {
            for (String line : lines(net.resolve(kind))) {
                inet(kind, line, all);
            }
        }
        for (String line : lines(net.resolve("unix"))) {
            unix(line, all);
        }
        return all;
    }

    private static void inet(String kind, String line, Map<Long, Entry> all) {
        String[] f = line.trim().split("\\s+");
        if (f.length < 10 || !f[0].endsWith(":")) {
            return;
        }
        try {
            String[] local = f[1].split(":");
            String[] remote = f[2].split(":");
            int port = Integer.parseInt(local[1], 16);
            int state = Integer.parseInt(f[3], 16);
            long inode = Long.parseLong(f[9]);
            boolean udp = kind.startsWith("udp");
            boolean listening = udp ? state == UDP_UNCONNECTED && port != 0 && Integer.parseInt(remote[1], 16) == 0
                    : state == TCP_LISTEN;
            all.put(inode, new Entry(kind, udp ? 2 : 1, address(local[0]) + ":" + port, port, listening));
        } catch (RuntimeException e) {
            // not a socket line
        }
    }

    /** The address in /proc's hex (each 32-bit word in host order), printed the usual way. */
    private static String address(String hex) {
        if (hex.length() == 8) {
            long v = Long.parseLong(hex, 16);
            return (v & 0xff) + "." + ((v >> 8) & 0xff) + "." + ((v >> 16) & 0xff) + "." + ((v >> 24) & 0xff);
        }
        StringBuilder sb = new StringBuilder("[");
        for (int w = 0; w + 8 <= hex.length(); w += 8) {
            String word = hex.substring(w, w + 8);
            String le = word.substring(6, 8) + word.substring(4, 6) + word.substring(2, 4) + word.substring(0, 2);
            sb.append(w == 0 ? "" : ":").append(le, 0, 4).append(':').append(le, 4, 8);
        }
        return sb.append(']').toString();
    }

    private static void unix(String line, Map<Long, Entry> all) {
        String[] f = line.trim().split("\\s+", 8);
        if (f.length < 7 || !f[0].endsWith(":")) {
            return;
        }
        try {
            int flags = Integer.parseInt(f[3], 16);
            int type = Integer.parseInt(f[4], 16);
            long inode = Long.parseLong(f[6]);
            String path = f.length > 7 ? f[7] : "";
            all.put(inode, new Entry("unix", type, path.isEmpty() ? "(unnamed)" : path, 0, (flags & SO_ACCEPTCON) != 0));
        } catch (RuntimeException e) {
            // the header, or not a socket line
        }
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            return List.of(); // no IPv6 in this kernel, or the process is gone (the caller says which)
        }
    }

    /** The process's descriptors that are sockets: fd number to inode (none when they cannot be read). */
    static Map<Integer, Long> socketFds(ProcFiles proc) {
        try {
            return socketFdsOrFail(proc);
        } catch (IOException e) {
            return Map.of();
        }
    }

    static Map<Integer, Long> socketFdsOrFail(ProcFiles proc) throws IOException {
        Map<Integer, Long> fds = new HashMap<>();
        proc.entries("fd").forEach((fd, link) -> {
            try {
                if (link.startsWith("socket:[") && link.endsWith("]")) {
                    fds.put(Integer.parseInt(fd), Long.parseLong(link.substring(8, link.length() - 1)));
                }
            } catch (RuntimeException e) {
                // not a number: not a descriptor
            }
        });
        return fds;
    }
}
