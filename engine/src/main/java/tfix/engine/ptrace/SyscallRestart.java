package tfix.engine.ptrace;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How a thread stopped inside a system call carries on as if it had never been
 * stopped: the kernel restarts calls that answered -ERESTART*, and tfix restarts the
 * ones that answered -EINTR only because of its stop (epoll_wait, semop,
 * sigtimedwait... return EINTR when their thread is stopped, see signal(7)).
 */
public final class SyscallRestart {
    static final long EINTR = -4, ERESTARTSYS = -512, ERESTARTNOINTR = -513, ERESTARTNOHAND = -514,
            ERESTART_RESTARTBLOCK = -516;
    static final long SYS_RESTART_SYSCALL = 219;

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
        if (rax == ERESTARTSYS || rax == ERESTARTNOINTR || rax == ERESTARTNOHAND) {
            again = regs.origRax();
        } else if (rax == ERESTART_RESTARTBLOCK) {
            again = SYS_RESTART_SYSCALL;
        } else if (rax == EINTR && !signalPending && waitsForever(regs)) {
            again = regs.origRax();
        } else {
            return Optional.empty();
        }
        return Optional.of(regs.with(Registers.RIP, regs.rip() - 2).with(Registers.RAX, again)
                .with(Registers.ORIG_RAX, -1));
    }

    /**
     * Calls that answer EINTR to a stop and wait without a time limit: re-issuing them is
     * exact. One with a relative time-out would start its whole wait again, so its EINTR
     * is left to the program, as the kernel leaves it (signal(7)).
     */
    static boolean waitsForever(Registers r) {
        long a3 = r.get(Registers.RDX), a4 = r.get(Registers.R10), a5 = r.get(Registers.R8);
        return switch ((int) r.origRax()) {
            case 232, 281 -> (int) a4 == -1;          // epoll_wait, epoll_pwait: timeout -1
            case 441, 220 -> a4 == 0;                 // epoll_pwait2, semtimedop: no timeout
            case 128 -> a3 == 0;                      // rt_sigtimedwait: no timeout
            case 208 -> a5 == 0;                      // io_getevents: no timeout
            case 0, 65, 69, 70 -> true;               // read (inotify), semop, msgsnd, msgrcv
            default -> false;
        };
    }

    /** Whether an unblocked signal is pending for the thread (from /proc: SigPnd, ShdPnd, SigBlk). */
    public static boolean signalPending(int pid, int tid) {
        try {
            long pending = 0, blocked = 0;
            for (String l : Files.readAllLines(Path.of("/proc", Integer.toString(pid), "task", Integer.toString(tid), "status"))) {
                if (l.startsWith("SigPnd:") || l.startsWith("ShdPnd:")) {
                    pending |= Long.parseUnsignedLong(l.substring(7).trim(), 16);
                } else if (l.startsWith("SigBlk:")) {
                    blocked = Long.parseUnsignedLong(l.substring(7).trim(), 16);
                }
            }
            return (pending & ~blocked) != 0;
        } catch (Exception e) {
            return true; // unknown: leave the call's result alone
        }
    }
}
