package tfix.engine;

import java.time.Duration;

/**
 * A session's limits: how long a remote call may run, how long to wait for threads to leave a site, how long
 * to wait for another tfix that holds the process; and {@code holder}, what this tfix says it is to a tfix
 * that waits for it ("tfix repl").
 */
public record Options(Duration callTimeout, Duration threadTimeout, Duration lockTimeout, String holder) {
    public static final Duration LOCK_TIMEOUT = Duration.ofSeconds(30);

    public Options(Duration callTimeout, Duration threadTimeout) {
        this(callTimeout, threadTimeout, LOCK_TIMEOUT, "tfix");
    }

    public static Options defaults() {
        return new Options(Duration.ofSeconds(10), Duration.ofSeconds(2));
    }

    public Options heldAs(String what) {
        return new Options(callTimeout, threadTimeout, lockTimeout, what);
    }
}
