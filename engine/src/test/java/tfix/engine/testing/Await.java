package tfix.engine.testing;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;

/** Waits for a state a test can only poll (a line in /proc), failing with what was awaited. */
public final class Await {
    private Await() {
    }

    /** Polls {@code state} every millisecond until it holds; an exception while polling counts as not yet. */
    public static void until(Duration timeout, Callable<Boolean> state) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                if (state.call()) {
                    return;
                }
            } catch (Exception e) {
                // not there yet (a file that appears later)
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("state not reached within " + timeout);
            }
            LockSupport.parkNanos(1_000_000);
        }
    }
}
