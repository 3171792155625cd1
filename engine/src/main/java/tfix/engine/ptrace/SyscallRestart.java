package tfix.engine.ptrace;

import static tfix.engine.sys.Errno.RAX_EINTR;
import static tfix.engine.sys.Errno.RAX_ERESTARTNOHAND;
import static tfix.engine.sys.Errno.RAX_ERESTARTNOINTR;
import static tfix.engine.sys.Errno.RAX_ERESTARTSYS;
import static tfix.engine.sys.Errno.RAX_ERESTART_RESTARTBLOCK;

import java.util.Optional;

import tfix.engine.sys.Syscalls;

/**
 * How a thread stopped inside a system call carries on as if it had never been
 * stopped: the kernel restarts calls that answered -ERESTART*, and tfix restarts the
 * ones that answered -EINTR only because of its stop (epoll_wait, semop,
 * sigtimedwait... return EINTR when their thread is stopped, see signal(7)).
 */
public final class SyscallRestart {
    private SyscallRestart() {
    }

    /**
     * Registers that re-issue the interrupted call (rip back over the 2-byte syscall
     * instruction, rax the call number), or empty when the thread was not in one.
     * {@code signalPending}: a signal will be delivered, so an EINTR is genuine.
     */
    public static Optional<Registers> reissue(Registers regs, boolean signalPending) {
        if (regs.origRax() < 0) {
            return Optional.empty();
        }
        long rax = regs.rax();
        long again;
        if (rax == RAX_ERESTARTSYS || rax == RAX_ERESTARTNOINTR || rax == RAX_ERESTARTNOHAND) {
            again = regs.origRax();
        } else if (rax == RAX_ERESTART_RESTARTBLOCK) {
            again = Syscalls.RESTART_SYSCALL;
        } else if (rax == RAX_EINTR && !signalPending && waitsForever(regs)) {
            again = regs.origRax();
        } else {
            return Optional.empty();
        }
        return Optional.of(regs.with(Registers.RIP, regs.rip() - 2).with(Registers.RAX, again)
                .with(Registers.ORIG_RAX, -1));
    }

    /**
     * Whether a handler running in the middle of the call turns it into EINTR: calls the
     * kernel restarts only when no handler runs (ERESTARTNOHAND, or restart_syscall,
     * whose state the handler's return resets), and an EINTR itself.
     */
    public static boolean failsAfterHandler(long rax) {
        return rax == RAX_ERESTARTNOHAND || rax == RAX_ERESTART_RESTARTBLOCK || rax == RAX_EINTR;
    }

    /** Whether rax holds an EINTR answer. */
    public static boolean interrupted(long rax) {
        return rax == RAX_EINTR;
    }

    /**
     * Calls that answer EINTR to a stop and wait without a time limit: re-issuing them is
     * exact. One with a relative time-out would start its whole wait again, so its EINTR
     * is left to the program, as the kernel leaves it (signal(7)).
     */
    static boolean waitsForever(Registers r) {
        long a3 = r.get(Registers.RDX), a4 = r.get(Registers.R10), a5 = r.get(Registers.R8);
        return switch ((int) r.origRax()) {
            case Syscalls.EPOLL_WAIT, Syscalls.EPOLL_PWAIT -> (int) a4 < 0;    // any negative timeout: no limit
            case Syscalls.EPOLL_PWAIT2, Syscalls.SEMTIMEDOP -> a4 == 0;         // no timeout
            case Syscalls.RT_SIGTIMEDWAIT -> a3 == 0;                           // no timeout
            case Syscalls.IO_GETEVENTS -> a5 == 0;                              // no timeout
            case Syscalls.READ, Syscalls.SEMOP, Syscalls.MSGSND, Syscalls.MSGRCV -> true; // read (inotify)...
            default -> false;
        };
    }
}
