package tfix.engine.restart;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import tfix.engine.process.ProcMemory;
import tfix.engine.sys.Syscalls;

/**
 * The descriptors a thread waits on for clients, from its /proc/PID/task/T/syscall line: the fd of an accept (or
 * a receive, for UDP), the interest list of the epoll it waits in, the fds a poll/ppoll watches for input, the read
 * set of a select/pselect6. The last two live in the program's memory, read through /proc/PID/mem at the addresses
 * the syscall arguments give: untrusted, so bounded, and a read that fails counts as waiting on nothing.
 */
final class ThreadWaits {
    private static final int MAX_FDS = 65_536;
    private static final short POLLIN = 0x1;

    private ThreadWaits() {
    }

    /** {@code task}: the thread's tid. */
    static Set<Integer> of(ProcFiles proc, String task) {
        String[] f;
        try {
            f = proc.text("task/" + task + "/syscall").trim().split("\\s+");
        } catch (IOException e) {
            return Set.of();
        }
        if (f.length < 3 || f[0].equals("running") || f[0].startsWith("-")) {
            return Set.of();
        }
        try {
            int nr = Integer.parseInt(f[0]);
            long a1 = arg(f, 1), a2 = arg(f, 2);
            if (nr == Syscalls.ACCEPT || nr == Syscalls.ACCEPT4 || nr == Syscalls.RECVFROM || nr == Syscalls.RECVMSG) {
                return Set.of((int) a1);
            }
            if (nr == Syscalls.EPOLL_WAIT || nr == Syscalls.EPOLL_PWAIT || nr == Syscalls.EPOLL_PWAIT2) {
                return new HashSet<>(EpollInterest.of(proc, (int) a1));
            }
            if ((nr == Syscalls.POLL || nr == Syscalls.PPOLL) && a2 > 0 && a2 <= MAX_FDS) {
                return polled(proc.memory(a1, (int) a2 * 8));
            }
            if ((nr == Syscalls.SELECT || nr == Syscalls.PSELECT6) && a1 > 0 && a1 <= MAX_FDS && a2 != 0) {
                return selected(proc.memory(a2, (int) ((a1 + 63) / 64 * 8)), (int) a1);
            }
        } catch (RuntimeException e) { // UncheckedIOException included
            return Set.of(); // a line this reader does not know, or memory that did not read: waiting on nothing known
        }
        return Set.of();
    }

    private static long arg(String[] f, int i) {
        return Long.parseUnsignedLong(f[i].substring(2), 16);
    }

    /** struct pollfd {int fd; short events; short revents}: the fds asked for input (a negative fd is ignored). */
    private static Set<Integer> polled(byte[] raw) {
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        Set<Integer> fds = new HashSet<>();
        while (b.remaining() >= 8) {
            int fd = b.getInt();
            short events = b.getShort();
            b.getShort();
            if (fd >= 0 && (events & POLLIN) != 0) {
                fds.add(fd);
            }
        }
        return fds;
    }

    /** An fd_set: bit fd of long fd/64. */
    private static Set<Integer> selected(byte[] raw, int nfds) {
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        Set<Integer> fds = new HashSet<>();
        for (int fd = 0; fd < nfds; fd++) {
            if ((b.getLong(fd / 64 * 8) >>> (fd % 64) & 1) != 0) {
                fds.add(fd);
            }
        }
        return fds;
    }

    /** Every fd any thread of the process waits on, plus every fd an epoll instance of it watches. */
    static Set<Integer> taken(ProcFiles proc) {
        Set<Integer> fds = new HashSet<>();
        try {
            for (String task : proc.entries("task").keySet()) {
                fds.addAll(of(proc, task));
            }
        } catch (IOException e) {
            return fds;
        }
        for (int ep : EpollInterest.instances(proc)) {
            fds.addAll(EpollInterest.of(proc, ep));
        }
        return fds;
    }
}
