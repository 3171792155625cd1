package tfix.engine.inspect;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import tfix.engine.sys.Syscalls;

/**
 * A wait that a stop would end early: epoll_wait, semtimedop, sigtimedwait and io_getevents answer EINTR when
 * their thread is stopped (signal(7)), and with a time limit tfix cannot issue them again exactly. An inspection
 * verb must not change what the program sees, so such a thread is read without stopping it.
 */
final class TimedWait {
    private TimedWait() {
    }

    /** The call's name when the thread waits in one of those with a time limit, from /proc (no stop). */
    static Optional<String> of(int pid, int tid) {
        String[] f;
        try {
            f = Files.readString(Path.of("/proc", Integer.toString(pid), "task", Integer.toString(tid), "syscall")).trim()
                    .split("\\s+");
        } catch (Exception e) {
            return Optional.empty();
        }
        if (f.length < 9 || !f[0].matches("\\d+")) {
            return Optional.empty(); // running, or in user space
        }
        long a3 = arg(f, 3), a4 = arg(f, 4), a5 = arg(f, 5);
        String name = switch (Integer.parseInt(f[0])) {
            case Syscalls.EPOLL_WAIT -> (int) a4 >= 0 ? "epoll_wait" : null;
            case Syscalls.EPOLL_PWAIT -> (int) a4 >= 0 ? "epoll_pwait" : null;
            case Syscalls.EPOLL_PWAIT2 -> a4 != 0 ? "epoll_pwait2" : null;
            case Syscalls.SEMTIMEDOP -> a4 != 0 ? "semtimedop" : null;
            case Syscalls.RT_SIGTIMEDWAIT -> a3 != 0 ? "rt_sigtimedwait" : null;
            case Syscalls.IO_GETEVENTS -> a5 != 0 ? "io_getevents" : null;
            default -> null;
        };
        return Optional.ofNullable(name);
    }

    private static long arg(String[] f, int n) {
        return Long.parseUnsignedLong(f[n].substring(2), 16);
    }
}
