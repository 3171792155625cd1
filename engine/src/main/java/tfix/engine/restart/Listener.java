package tfix.engine.restart;

/**
 * A socket a process listens on (or, for UDP, is bound to unconnected): its descriptor number in that process,
 * the kernel's inode, its kind ({@code tcp}, {@code tcp6}, {@code udp}, {@code udp6}, {@code unix}), the socket
 * type to make a stand-in of (SOCK_STREAM 1, SOCK_DGRAM 2, SOCK_SEQPACKET 5), its local address as /proc
 * shows it, its port (0 for Unix sockets), and its file status flags (O_NONBLOCK...) as they were when tfix
 * found it: they belong to the socket, which the new program shares and may set otherwise.
 */
public record Listener(int fd, long inode, String kind, int socketType, String address, int port, int statusFlags) {
    /** A name for LISTEN_FDNAMES: letters, digits, '-', '_' and '.' only (':' separates the names). */
    public String fdName() {
        String raw = port > 0 ? kind + "-" + port : kind + "-" + address;
        String clean = raw.replaceAll("[^A-Za-z0-9_.-]", "_");
        return clean.length() > 255 ? clean.substring(0, 255) : clean;
    }

    public boolean stream() {
        return socketType != 2;
    }

    @Override
    public String toString() {
        return kind + " " + address + " (fd " + fd + ")";
    }
}
