package tfix.engine.ptrace;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.sys.Errno;
import tfix.engine.sys.SyscallException;
import tfix.engine.timing.Holds;

/**
 * Waits until threads asked to stop are in a ptrace-stop, handling every other event
 * meanwhile (one waitpid per event, whichever thread it is from: cheap with hundreds
 * of threads). Threads that exit instead of stopping are forgotten.
 */
final class StopWait {
    private final Tracee tracee;
    /** The threads waited for; null for every thread, including those born meanwhile (they arrive stopped). */
    private final Collection<TracedThread> which;
    /** Only an interrupt stop (or a job-control stop) will do; else any ptrace-stop. */
    private final boolean trapOnly;
    /** A thread stops within microseconds: one not stopped after this is looked for in /proc. */
    private static final long STRAY_AFTER_NANOS = 20_000_000;

    StopWait(Tracee tracee, Collection<TracedThread> which, boolean trapOnly) {
        this.tracee = tracee;
        this.which = which;
        this.trapOnly = trapOnly;
    }

    private boolean done(TracedThread t) {
        return !tracee.threads.containsKey(t.tid) || (t.stopped && (!trapOnly || t.interruptStop || t.groupStop));
    }

    /**
     * See {@link Tracee#stopAll}: every thread asked first, then all waited for. A thread that stops for a signal
     * on the way has it passed on at once and is asked again (its interrupt stop follows, before its handler
     * runs): tfix never holds a signal through a freeze, so one is not lost if tfix is killed meanwhile (the
     * kernel detaches a killed tracer's threads and drops a signal the tracer had collected but not passed on).
     */
    static long stopAll(Tracee tracee, Duration timeout) {
        tracee.frozen = true;
        long started = System.nanoTime();
        List<TracedThread> asked = new ArrayList<>();
        for (TracedThread t : tracee.threads.values()) {
            t.wantRunning = false;
            if (!t.stopped) {
                t.awaitingTrap = true;
                asked.add(t);
            }
        }
        try {
            for (TracedThread t : asked) {
                requestStop(tracee.ptrace(), t, false);
            }
            new StopWait(tracee, null, false).await(timeout);
        } finally {
            for (TracedThread t : asked) {
                t.awaitingTrap = false;
            }
        }
        return started;
    }

    /**
     * Asks a thread to stop (PTRACE_INTERRUPT: no signal the program could see); a thread
     * gone meanwhile is fine. {@code evenIfStopped}: also a thread already in another stop,
     * whose trap then follows when it resumes.
     */
    static void requestStop(Ptrace ptrace, TracedThread t, boolean evenIfStopped) {
        if (t.stopped && !evenIfStopped) {
            return;
        }
        t.holding(Holds.current());
        try {
            ptrace.interrupt(t.tid);
        } catch (SyscallException e) {
            if (e.errno() != Errno.ESRCH) {
                throw e;
            }
        }
    }

    /**
     * Stops one thread in an interrupt stop (or its job-control stop). A signal or clone it
     * stops for on the way is passed on at once: the interrupt's trap follows, so a thread
     * that signals keep hitting is still caught.
     */
    static void stopOne(Tracee tracee, TracedThread t, Duration timeout) {
        t.wantRunning = false;
        if (t.stopped && (t.interruptStop || t.groupStop)) {
            return;
        }
        t.awaitingTrap = true;
        try {
            requestStop(tracee.ptrace(), t, true);
            if (t.stopped) {
                tracee.resume(t); // in a signal or clone stop: finish it; the trap comes next
            }
            new StopWait(tracee, List.of(t), true).await(timeout);
        } catch (TfixException e) {
            t.wantRunning = true; // its interrupt may still come: let the pump resume it then
            throw e;
        } finally {
            t.awaitingTrap = false;
        }
    }

    /**
     * Handles the stops of waited threads that /proc shows but no wait reported (see {@link StrayStops}); returns
     * whether there were any.
     */
    private boolean collectStray(Collection<TracedThread> waited) {
        boolean any = false;
        for (TracedThread t : List.copyOf(waited)) {
            WaitStatus ws = done(t) ? null : StrayStops.lost(tracee, t);
            if (ws != null) {
                tracee.handle(ws);
                any = true;
            }
        }
        return any;
    }

    void await(Duration timeout) {
        long started = System.nanoTime();
        long deadline = started + timeout.toNanos();
        Backoff backoff = new Backoff();
        int rounds = 0;
        while (true) {
            WaitStatus ws;
            while ((ws = tracee.ptrace().pollAny()) != null) {
                tracee.handle(ws);
                backoff.reset();
            }
            Collection<TracedThread> waited = which == null ? tracee.threads.values() : which;
            if (waited.stream().allMatch(this::done)) {
                return;
            }
            if (++rounds % 64 == 0 && new Seizer(tracee).dropExited(List.copyOf(waited))) {
                continue;
            }
            if (rounds % 64 == 0 && System.nanoTime() - started > STRAY_AFTER_NANOS && collectStray(waited)) {
                continue;
            }
            if (System.nanoTime() > deadline) {
                throw new TfixException(Reason.TIMEOUT, "process " + tracee.pid() + " did not stop within "
                        + timeout.toMillis() + " ms: a thread may be in uninterruptible sleep (state D); try again");
            }
            backoff.pause();
        }
    }
}
