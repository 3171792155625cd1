package tfix.engine.ptrace;

import tfix.engine.process.ProcStatus;
import tfix.engine.process.SignalDisposition;

/**
 * EINTRs a traced thread sees only because it is traced, undone by issuing the call again
 * (for calls that wait without a time-out, where that is exact; see {@link SyscallRestart}).
 */
final class TracedEintr {
    private TracedEintr() {
    }

    /**
     * A call such as epoll_wait answers -EINTR when its thread is stopped, even with no
     * signal: the program must not see that.
     */
    static void afterStop(Ptrace ptrace, int pid, TracedThread t) {
        Registers regs = t.registers != null ? t.registers : ptrace.getRegisters(t.tid);
        if (regs.origRax() >= 0 && SyscallRestart.interrupted(regs.rax()) && t.pendingSignal == 0
                && !ProcStatus.signalPending(pid, t.tid)) {
            SyscallRestart.reissue(regs, false).ifPresent(r -> ptrace.setRegisters(t.tid, r));
        }
    }

    /**
     * Untraced, a signal the program ignores is dropped when sent and wakes nobody; traced,
     * it is queued for the tracer to see, and a call such as epoll_wait(-1) wakes with EINTR
     * at its stop. At that stop (a signal-delivery stop) the call is issued again.
     */
    static void atIgnoredSignal(Ptrace ptrace, int pid, TracedThread t) {
        Registers regs = ptrace.getRegisters(t.tid);
        if (regs.origRax() < 0 || !SyscallRestart.interrupted(regs.rax())
                || !SignalDisposition.of(pid).map(d -> d.dropped(t.pendingSignal)).orElse(false)) {
            return;
        }
        SyscallRestart.reissue(regs, false).ifPresent(r -> ptrace.setRegisters(t.tid, r));
    }
}
