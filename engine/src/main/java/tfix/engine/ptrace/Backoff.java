package tfix.engine.ptrace;

import java.util.concurrent.locks.LockSupport;

/**
 * Busy-waits briefly, then yields the CPU for a while, then parks with growing pauses: ptrace events arrive
 * within microseconds. Yielding, not parking, for the first half millisecond: a park sleeps at least the timer
 * slack (about 50 us), longer than a thread takes to stop, and on a small machine the threads being waited for
 * need the CPU that the tracer gives up.
 */
final class Backoff {
    private static final long YIELD_NANOS = 500_000;
    private int round;
    private long since = System.nanoTime();

    void pause() {
        round++;
        if (round < 50) {
            Thread.onSpinWait();
        } else if (System.nanoTime() - since < YIELD_NANOS) {
            Thread.yield();
            round = 50;
        } else {
            long nanos = Math.min(1_000_000L, 10_000L << Math.min(10, (round - 50) / 20));
            LockSupport.parkNanos(nanos);
        }
    }

    void reset() {
        round = 0;
        since = System.nanoTime();
    }
}
