package tfix.engine.remote;

import tfix.engine.process.ProcStatus;

/**
 * The signal that ends a remote call run under PTRACE_CONT (see {@link CallStub}), chosen for each call on the
 * borrowed thread, or 0 to wait at the marker under PTRACE_SYSCALL instead.
 *
 * Why this is sound. The stub sends the signal to its own thread with tgkill once the callee returned.
 * (1) tfix alive: a traced thread stops for every signal about to be delivered, an ignored one too (the kernel
 * keeps ignored signals for traced threads, for the tracer to see); tfix takes the stop whose siginfo says
 * tgkill (SI_TKILL) from the thread's own process at the stub's place, reads the result and resumes the thread
 * with no signal: the program never sees it. Any other stop (another signal, the same signal from elsewhere, a
 * clone, job control) is passed on as under PTRACE_SYSCALL. (2) tfix killed at any instant: the kernel detaches
 * the thread; the signal is one the program ignores (no handler: SigCgt; default-ignored), so tgkill's signal is
 * discarded when sent, or dropped at a stop tfix never answered, and the stub's tail restores the thread as before.
 * (3) The callee changed things: the stub unblocks the signal around the tgkill (a constructor may block it) and
 * puts the thread's mask back; a handler a constructor installs for it is not run while tfix is alive (tfix drops
 * the signal at its stop). The one residue: tfix killed during a call whose callee installed a handler for that
 * very signal; the handler then runs once for a SIGURG, SIGWINCH or SIGCHLD that nobody sent, which such handlers
 * take as a wake-up to look again. (4) A signal already pending or blocked in the thread, or caught by the program,
 * is never chosen: one it waits for with sigwait or signalfd is neither taken from it nor merged into ours.
 */
final class SignalEnd {
    static final int SIGCHLD = 17, SIGURG = 23, SIGWINCH = 28;
    /** Ignored by default and rarely used: a handler for SIGCHLD is common, so it comes last. */
    private static final int[] CHOICES = {SIGURG, SIGWINCH, SIGCHLD};
    /** Every call under PTRACE_SYSCALL: the figures of the old path, for a benchmark side by side. */
    private static final boolean OFF = Boolean.getBoolean("tfix.calls.traceSyscalls");

    private SignalEnd() {
    }

    /** The signal for a call on the stopped thread {@code tid}, or 0 when none suits (or /proc cannot tell). */
    static int choose(int pid, int tid) {
        ProcStatus status = OFF ? null : ProcStatus.ofTask(pid, tid).orElse(null);
        if (status == null) {
            return 0;
        }
        long unusable = status.caughtSignals() | status.blockedSignals() | status.pendingSignals();
        for (int sig : CHOICES) {
            if ((unusable & (1L << (sig - 1))) == 0) {
                return sig;
            }
        }
        return 0;
    }
}
