package tfix.engine.remote;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

import tfix.engine.failure.Limit;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.ptrace.Registers;
import tfix.engine.ptrace.Tracee;

/** Borrowed threads and the stub: a thread stopped outside it, and one sent back into its job-control stop. */
final class StubExit {
    private final Tracee tracee;
    private final Duration timeout;
    private final CallArea area;

    StubExit(Tracee tracee, Duration timeout, CallArea area) {
        this.tracee = tracee;
        this.timeout = timeout;
        this.area = area;
    }

    /**
     * Whether a thread is still in a call's way back: in the stub, or on the call area's
     * stack (a signal handler that interrupted the stub's last instructions runs there, and
     * returns into them, reading the frame).
     */
    private boolean inCall(StubSite site, Registers regs) {
        return site.contains(regs.rip()) || area.holds(regs.rsp());
    }

    /**
     * Stops the thread in an interrupt stop (not half-way through a clone or a signal)
     * and outside the stub's epilogue from an earlier call.
     */
    Registers stopOutside(StubSite site, int tid) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pause = 10_000;
        while (true) {
            tracee.stopThread(tid, timeout);
            if (tracee.inGroupStop(tid)) {
                tracee.resumeThread(tid); // back to its job-control stop
                throw new TfixException(Reason.TARGET_STOPPED, "process " + tracee.pid() + " is stopped by a signal"
                        + " (state T): it cannot load the patch until it runs again (kill -CONT " + tracee.pid() + ")");
            }
            Registers regs = tracee.registers(tid);
            if (tracee.inInterruptStop(tid) && !inCall(site, regs)) {
                return regs;
            }
            tracee.resumeThread(tid);
            if (System.nanoTime() > deadline) {
                throw new TfixException(Reason.TIMEOUT, Limit.CALL_TIMEOUT, "thread " + tid + " did not leave tfix's call stub within "
                        + timeout.toSeconds() + " s");
            }
            // Give it time to be scheduled: on a busy machine a resumed thread may wait for a CPU.
            LockSupport.parkNanos(pause);
            pause = Math.min(pause * 2, 1_000_000);
        }
    }

    /**
     * Job control stopped the process during the call, which the thread ran to its end: once it
     * is out of the stub, it is stopped again; the process being stopped, the stop is the job
     * control's, and the thread stays in it (as it would have, the call aside). Returns whether
     * it is out of the stub.
     */
    boolean backIntoJobControlStop(StubSite site, int tid) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            tracee.stopThread(tid, timeout);
            boolean out = tracee.inGroupStop(tid) || !inCall(site, tracee.registers(tid));
            tracee.resumeThread(tid); // in a job-control stop: stays there
            if (out) {
                return true;
            }
            LockSupport.parkNanos(100_000);
        }
        return false;
    }
}
