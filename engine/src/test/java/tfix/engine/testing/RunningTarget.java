package tfix.engine.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import tfix.engine.service.ServiceProcess;

/**
 * A test target running as a real process: a {@link ServiceProcess} (started detached, its
 * output followed through a log that closing deletes) with the tests' failures, assertion
 * errors. The target must print "ready pid=N" first (line-buffered); every later line is
 * kept for awaitLine.
 */
public final class RunningTarget implements AutoCloseable {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private final ServiceProcess process;

    private RunningTarget(ServiceProcess process) {
        this.process = process;
    }

    public static RunningTarget start(Path binary, String... args) {
        try {
            return new RunningTarget(ServiceProcess.start(binary, WAIT, args));
        } catch (ServiceProcess.StartFailure e) {
            throw new AssertionError(e.getMessage(), e);
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Starts the target and waits for its first line matching {@code first}; on failure nothing is left running. */
    public static RunningTarget startPast(String first, Path binary, String... args) {
        RunningTarget t = start(binary, args);
        try {
            t.awaitLine(first);
            return t;
        } catch (RuntimeException | Error e) {
            t.close();
            throw e;
        }
    }

    public int pid() {
        return process.pid();
    }

    /** Waits for the next line (after those already awaited) that matches. */
    public String awaitLine(Predicate<String> match, Duration timeout) {
        return process.awaitLine(match, timeout).orElseThrow(() -> new AssertionError("no matching line within " + timeout
                + "; last lines: " + process.lastLines(10)));
    }

    public String awaitLine(String regex, Duration timeout) {
        Pattern p = Pattern.compile(regex);
        return awaitLine(l -> p.matcher(l).find(), timeout);
    }

    public String awaitLine(String regex) {
        return awaitLine(regex, WAIT);
    }

    public List<String> output() {
        return process.output();
    }

    /** State letter from /proc (R, S, D, t, T, Z...), empty once gone. */
    public Optional<Character> state() {
        return process.state();
    }

    public boolean alive() {
        return process.alive();
    }

    /** TracerPid of every thread: all must be 0 for a target tfix has let go of. */
    public boolean traced() {
        return process.traced();
    }

    /** Stops the target and deletes its log. */
    @Override
    public void close() {
        process.close();
    }
}
