package tfix.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.service.ServiceProcess;

/**
 * The demo's and the benchmarks' use of {@link ServiceProcess}: what goes wrong is a
 * {@link TfixException}, reported to the user in one line.
 */
public final class Services {
    private static final Duration READY = Duration.ofSeconds(30);

    private Services() {
    }

    /** Starts a service that prints "ready pid=N" first (see {@link ServiceProcess}). */
    public static ServiceProcess start(Path binary, String... args) throws IOException, InterruptedException {
        try {
            return ServiceProcess.start(binary, READY, args);
        } catch (ServiceProcess.StartFailure e) {
            throw new TfixException(Reason.IO, e.getMessage());
        }
    }

    /** The next line matching {@code regex}; lines before it are passed over. */
    public static Matcher await(ServiceProcess process, String regex, Duration timeout) {
        return process.await(regex, timeout).orElseThrow(() -> Thread.currentThread().isInterrupted()
                ? new TfixException(Reason.CANCELLED, "interrupted")
                : new TfixException(Reason.TIMEOUT, "the process printed no line matching '" + regex + "' within "
                        + timeout.toSeconds() + " s (see " + process.log() + ")"));
    }
}
