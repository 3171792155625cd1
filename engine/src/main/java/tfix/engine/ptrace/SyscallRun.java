package tfix.engine.ptrace;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/**
 * One stopped thread let run, stopping at each system call, until one that the caller
 * accepts; signals and clones that arrive on the way are passed on at once.
 *
 * With an own signal, the thread runs under PTRACE_CONT instead (no stop at its system calls, so a dlopen is
 * not held for two round trips to tfix per system call) until it stops for the signal it sent itself: that
 * signal, sent by tgkill (si_code SI_TKILL) from its own process (si_pid the thread group id the thread read
 * with getpid, which the caller's code keeps in r13) at the place the caller accepts, is dropped, not passed on.
 * Any other signal, the same one from someone else included, is passed on at once, as under PTRACE_SYSCALL.
 */
final class SyscallRun {
    /** si_code of a signal sent by tkill or tgkill. */
    static final int SI_TKILL = -6;
    private final Tracee tracee;
    private final TracedThread t;
    private final Ptrace ptrace;
    private final int ownSignal;

    /** {@code ownSignal}: 0 to stop at every system call, else the signal that ends the run (see above). */
    SyscallRun(Tracee tracee, TracedThread stopped, int ownSignal) {
        this.tracee = tracee;
        this.t = stopped;
        this.ptrace = tracee.ptrace();
        this.ownSignal = ownSignal;
    }

    /** The registers at the accepted stop (the thread still stopped), or null on time-out or cancel. */
    Registers until(Predicate<Registers> accept, Duration timeout, BooleanSupplier cancelled) {
        long started = System.nanoTime();
        long deadline = started + timeout.toNanos();
        Backoff backoff = new Backoff();
        int idle = 0;
        go();
        while (true) {
            WaitStatus ws = ptrace.pollAny();
            if (ws == null && ++idle % 64 == 0 && System.nanoTime() - started > 20_000_000) {
                ws = StrayStops.lost(tracee, t); // a stop whose status another waiter took
            }
            if (ws == null) {
                if (System.nanoTime() > deadline || cancelled.getAsBoolean()) {
                    t.wantRunning = true;
                    return null;
                }
                backoff.pause();
                continue;
            }
            backoff.reset();
            if (ws.tid() != t.tid) {
                tracee.handle(ws); // another thread's signal or clone: pass it on now, not after the call
                continue;
            }
            if (ws.gone()) {
                tracee.handle(ws);
                throw new TfixException(Reason.PROCESS_GONE, (tracee.exited() ? "process " + tracee.pid()
                        : "thread " + t.tid + " of process " + tracee.pid()) + " exited during a remote call");
            }
            t.stopped = true;
            t.interruptStop = false;
            t.registers = null;
            if (ws.syscallStop()) {
                Registers regs = ptrace.getRegisters(t.tid);
                if (accept.test(regs)) {
                    return regs;
                }
            } else if (ws.event() == WaitStatus.EVENT_CLONE) {
                tracee.newThread((int) ptrace.eventMessage(t.tid));
            } else if (ws.signalDelivery() && ws.stopSignal() == ownSignal && own(accept)) {
                return t.registers; // stopped with the signal dropped: it goes on with none
            } else if (ws.signalDelivery()) {
                t.pendingSignal = ws.stopSignal();
                t.signalsPassed.add(ws.stopSignal());
            } else if (ws.groupStop()) {
                // Job control stopped the process: the call runs to its end (it holds the thread's state), and the
                // thread is put back into the stop afterwards (see Tracee#stoppedByJobControlMeanwhile).
                t.groupStopMissed = true;
            }
            go();
        }
    }

    /** Whether the thread's signal-delivery stop is for the signal it sent itself where the caller waits. */
    private boolean own(Predicate<Registers> accept) {
        Registers regs = ptrace.getRegisters(t.tid);
        int[] info = ptrace.siginfo(t.tid);
        if (info == null || info[0] != ownSignal || info[1] != SI_TKILL || info[2] != (int) regs.get(Registers.R13)
                || !accept.test(regs)) {
            return false;
        }
        t.registers = regs;
        return true;
    }

    private void go() {
        if (ownSignal != 0) {
            ptrace.cont(t.tid, t.pendingSignal);
        } else {
            ptrace.syscall(t.tid, t.pendingSignal);
        }
        t.running();
    }
}
