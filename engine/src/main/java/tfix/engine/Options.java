package tfix.engine;

import java.time.Duration;

/** A session's time limits: how long a remote call may run, how long to wait for threads to leave a site. */
public record Options(Duration callTimeout, Duration threadTimeout) {
    public static Options defaults() {
        return new Options(Duration.ofSeconds(10), Duration.ofSeconds(2));
    }
}
