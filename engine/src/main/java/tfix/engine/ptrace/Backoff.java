package tfix.engine.ptrace;

import java.util.concurrent.locks.LockSupport;

/** Busy-waits briefly, then parks with growing pauses: ptrace events arrive within microseconds. */
final class Backoff {
    private int round;

    void pause() {
        round++;
        if (round < 50) {
            Thread.onSpinWait();
        } else {
            long nanos = Math.min(1_000_000L, 10_000L << Math.min(10, (round - 50) / 20));
            LockSupport.parkNanos(nanos);
        }
    }

    void reset() {
        round = 0;
    }
}
