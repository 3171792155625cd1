package tfix.engine.ptrace;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/**
 * One stopped thread let run, stopping at each system call, until one that the caller
 * accepts; signals and clones that arrive on the way are passed on at once.
 */
final class SyscallRun {
    private final Tracee tracee;
    private final TracedThread t;
    private final Ptrace ptrace;

    SyscallRun(Tracee tracee, TracedThread stopped) {
        this.tracee = tracee;
        this.t = stopped;
        this.ptrace = tracee.ptrace();
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

    private void go() {
        ptrace.syscall(t.tid, t.pendingSignal);
        t.running();
    }
}
