package tfix.engine.restart;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

import jnr.ffi.Pointer;
import tfix.engine.sys.LibC;
import tfix.engine.sys.Native;
import tfix.engine.sys.SocketAbi;

/**
 * A NOTIFY_SOCKET tfix gives a new program whose old one had none: an abstract Unix datagram name in tfix itself,
 * so a program that says READY=1 (sd_notify) is ready by its own word, also one whose way of waiting for clients
 * /proc does not show. Only when tfix shares the target's network namespace (abstract names live there); after
 * tfix exits the name is gone and later messages (STATUS=, WATCHDOG=1) fail, which sd_notify callers ignore. The
 * name starts with {@link #PREFIX}, so a later restart of that program does not take it for systemd's.
 */
public final class NotifyListener implements AutoCloseable {
    public static final String PREFIX = "@tfix-restart-";
    private static final int MSG_DONTWAIT = 0x40;
    private final Native nat;
    private final int fd;
    private final String address;
    private boolean ready;

    private NotifyListener(Native nat, int fd, String address) {
        this.nat = nat;
        this.fd = fd;
        this.address = address;
    }

    /** Empty when the process is in another network namespace or no socket could be made. */
    public static Optional<NotifyListener> open(Native nat, int pid) {
        try {
            if (!Files.readSymbolicLink(Path.of("/proc/self/ns/net"))
                    .equals(Files.readSymbolicLink(Path.of("/proc", Integer.toString(pid), "ns", "net")))) {
                return Optional.empty();
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        LibC libc = nat.libc();
        int fd = libc.socket(SocketAbi.AF_UNIX, SocketAbi.SOCK_DGRAM | SocketAbi.SOCK_CLOEXEC | SocketAbi.SOCK_NONBLOCK, 0);
        if (fd < 0) {
            return Optional.empty();
        }
        String name = PREFIX + ProcessHandle.current().pid() + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
        byte[] bytes = name.substring(1).getBytes(StandardCharsets.US_ASCII);
        Pointer addr = nat.allocate(3 + bytes.length);
        addr.putShort(0, (short) SocketAbi.AF_UNIX);
        addr.putByte(2, (byte) 0); // abstract: the leading '@' of NOTIFY_SOCKET
        addr.put(3, bytes, 0, bytes.length);
        if (libc.bind(fd, addr, 3 + bytes.length) != 0) {
            libc.close(fd);
            return Optional.empty();
        }
        return Optional.of(new NotifyListener(nat, fd, name));
    }

    /** What NOTIFY_SOCKET is set to. */
    public String address() {
        return address;
    }

    /** Whether a READY=1 line has come (reads what is waiting, never blocks). */
    public boolean ready() {
        Pointer buf = nat.allocate(4096);
        long n;
        while (!ready && (n = nat.libc().recv(fd, buf, 4096, MSG_DONTWAIT)) > 0) {
            byte[] b = new byte[(int) n];
            buf.get(0, b, 0, b.length);
            ready = new String(b, StandardCharsets.UTF_8).lines().anyMatch("READY=1"::equals);
        }
        return ready;
    }

    @Override
    public void close() {
        nat.libc().close(fd);
    }
}
