package tfix.engine.remote;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;

import tfix.engine.failure.Limit;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.ptrace.ThreadExitedException;
import tfix.engine.ptrace.Tracee;
import tfix.engine.timing.Holds;

/**
 * Rounds of trying threads for one remote call until one suits it. Ranking the threads (/proc, the maps, the
 * locking functions' places) and the pause between rounds happen off the tracer thread, so it keeps passing on
 * the target's signals meanwhile; only the tries themselves run on it.
 */
final class BorrowRounds {
    private final Tracee tracee;
    private final ThreadChooser chooser;
    private final Duration timeout;
    private final BooleanSupplier cancelled;

    BorrowRounds(Tracee tracee, ThreadChooser chooser, Duration timeout, BooleanSupplier cancelled) {
        this.tracee = tracee;
        this.chooser = chooser;
        this.timeout = timeout;
        this.cancelled = cancelled;
    }

    /** A try's outcome: done, with its value, or the reasons no thread suited. */
    private record Round<T>(boolean done, T value) {
    }

    /** Runs {@code work} on the first thread it suits, trying the threads again for a while when none does. */
    <T> T run(String what, StubSite site, IntFunction<T> work) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> why = new ArrayList<>();
        // Threads move between calls: a round that finds none fit is tried again for a while.
        while (true) {
            List<Integer> order = chooser.rank(site, tracee.onTracer(tracee::threadIds));
            Round<T> round = tracee.onTracer(() -> {
                why.clear();
                try (Holds.Cause c = Holds.cause("remote call: " + what)) {
                    for (int tid : order) {
                        if (!tracee.threadIds().contains(tid)) {
                            continue; // ended since the ranking
                        }
                        try {
                            return new Round<>(true, work.apply(tid));
                        } catch (ThreadExitedException e) {
                            // A short-lived thread ended before it could be borrowed: take the next one.
                        } catch (CallUnsuitable e) {
                            why.add("thread " + tid + ": " + e.getMessage());
                        }
                    }
                    return new Round<T>(false, null);
                }
            });
            if (round.done()) {
                return round.value();
            }
            if (!tracee.process().alive()) {
                throw new TfixException(Reason.PROCESS_GONE, "process " + tracee.pid() + " exited before it could run " + what);
            }
            if (System.nanoTime() > deadline || cancelled.getAsBoolean()) {
                throw new TfixException(cancelled.getAsBoolean() ? Reason.CANCELLED : Reason.TIMEOUT,
                        cancelled.getAsBoolean() ? null : Limit.CALL_TIMEOUT, "no thread of process " + tracee.pid() + " could safely run " + what
                        + (why.isEmpty() ? "" : " (" + String.join("; ", why) + ")"));
            }
            LockSupport.parkNanos(2_000_000);
        }
    }
}
