package tfix.engine.process;

import java.util.Optional;

/**
 * What a process does with each signal, from /proc/PID/status (SigIgn, SigCgt): whether a
 * handler runs, or the signal is dropped (SIG_IGN, or a signal whose default is to be
 * ignored). A system call a signal interrupts ends differently in each case.
 */
public record SignalDisposition(long ignored, long caught) {
    /** SIGCHLD, SIGCONT, SIGURG, SIGWINCH: ignored by default. */
    private static final long DEFAULT_IGNORED = bit(17) | bit(18) | bit(23) | bit(28);

    private static long bit(int sig) {
        return 1L << (sig - 1);
    }

    public static Optional<SignalDisposition> of(int pid) {
        return ProcStatus.of(pid).map(ProcStatus::disposition);
    }

    /** The signals the program drops, as a mask (bit n-1 for signal n). */
    public long droppedMask() {
        return (ignored | DEFAULT_IGNORED) & ~caught;
    }

    /** A handler of the program runs for this signal. */
    public boolean handled(int sig) {
        return sig > 0 && sig <= 64 && (caught & bit(sig)) != 0;
    }

    /** The signal is dropped without any effect on the thread (no handler, no stop, no exit). */
    public boolean dropped(int sig) {
        return sig > 0 && sig <= 64 && (droppedMask() & bit(sig)) != 0;
    }
}
