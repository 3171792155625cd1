package tfix.engine.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import jnr.ffi.Pointer;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.sys.LibC;
import tfix.engine.sys.Native;

/**
 * One connection to a process's agent: the abstract Unix name {@code \0tfix-agent-PID} in the caller's network
 * namespace (java.nio reaches only path names, so this goes through libc). Frames are a little-endian u32 pair
 * and a payload each way, as {@code agent/src/tfix_agent.h} describes.
 */
final class AgentSocket implements AutoCloseable {
    private static final int AF_UNIX = 1, SOCK_STREAM = 1, SOCK_CLOEXEC = 0x80000;
    private static final int SOL_SOCKET = 1, SO_RCVTIMEO = 20;
    private final Native nat;
    private final int fd;

    private AgentSocket(Native nat, int fd) {
        this.nat = nat;
        this.fd = fd;
    }

    static String name(int pid) {
        return "tfix-agent-" + pid;
    }

    /**
     * Connects, or returns null when no agent listens for this pid. An abstract name lives in a network namespace:
     * for a process in another one (a container), the socket is made and connected from inside the process's
     * namespace (setns on this thread only, root only, and back at once); a connected socket works from anywhere.
     */
    static AgentSocket connect(Native nat, int pid, int timeoutSeconds) {
        Integer fd = NetNamespace.isOwn(pid) ? connectHere(nat, pid) : NetNamespace.within(nat, pid, () -> connectHere(nat, pid));
        if (fd == null) {
            return null;
        }
        Pointer tv = nat.allocate(16); // a hung agent must not hang tfix
        tv.putLong(0, timeoutSeconds);
        tv.putLong(8, 0);
        nat.libc().setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, tv, 16);
        return new AgentSocket(nat, fd);
    }

    /** The connected descriptor, made in this thread's network namespace; null when nothing listens there. */
    private static Integer connectHere(Native nat, int pid) {
        LibC libc = nat.libc();
        int fd = libc.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw new TfixException(Reason.PERMISSION, "cannot make a Unix socket: " + nat.describe(nat.errno()));
        }
        byte[] name = name(pidInside(pid)).getBytes(StandardCharsets.US_ASCII);
        Pointer addr = nat.allocate(2 + 1 + name.length);
        addr.putShort(0, (short) AF_UNIX);
        addr.putByte(2, (byte) 0); // abstract: no file, found from the pid alone
        addr.put(3, name, 0, name.length);
        if (libc.connect(fd, addr, 3 + name.length) != 0) {
            libc.close(fd);
            return null;
        }
        return fd;
    }

    /**
     * The pid the process sees itself as, which its agent names its socket by: the last of /proc/PID/status's
     * NSpid (a process in a pid namespace of its own, as in a container, has a smaller pid there); {@code pid}
     * when that line is missing or unreadable.
     */
    static int pidInside(int pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(pid), "status"))) {
                if (line.startsWith("NSpid:")) {
                    String[] ids = line.substring(6).trim().split("\\s+");
                    String last = ids[ids.length - 1];
                    return last.length() <= 10 && last.chars().allMatch(Character::isDigit) ? Integer.parseInt(last) : pid;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // the process's own pid, as before
        }
        return pid;
    }

    /** The answer to one request: its status (0 done) and payload. */
    record Answer(int status, byte[] payload) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    synchronized Answer request(int op, byte[] payload) {
        try (tfix.engine.timing.Phases.Span s = tfix.engine.timing.Phases.start("agent requests (each, op " + op + ")")) {
            return exchange(op, payload);
        }
    }

    private Answer exchange(int op, byte[] payload) {
        Pointer out = nat.allocate(8 + payload.length);
        out.putInt(0, op);
        out.putInt(4, payload.length);
        out.put(8, payload, 0, payload.length);
        io(out, 8 + payload.length, true);
        Pointer head = nat.allocate(8);
        io(head, 8, false);
        int status = head.getInt(0), length = head.getInt(4);
        if (length < 0 || length > (64 << 20)) {
            throw new TfixException(Reason.TARGET_REFUSED, "the agent sent a malformed answer (" + length + " bytes)");
        }
        byte[] data = new byte[length];
        if (length > 0) {
            Pointer in = nat.allocate(length);
            io(in, length, false);
            in.get(0, data, 0, length);
        }
        return new Answer(status, data);
    }

    private void io(Pointer buf, int length, boolean sending) {
        for (int done = 0; done < length;) {
            Pointer at = buf.slice(done);
            long n = sending ? nat.libc().send(fd, at, length - done, 0x4000 /* MSG_NOSIGNAL */)
                    : nat.libc().recv(fd, at, length - done, 0);
            if (n <= 0) {
                throw new TfixException(Reason.PROCESS_GONE, "the agent's connection ended"
                        + (n < 0 ? ": " + nat.describe(nat.errno()) : "") + " (the process exited, or its agent hung)");
            }
            done += (int) n;
        }
    }

    @Override
    public void close() {
        nat.libc().close(fd);
    }
}
