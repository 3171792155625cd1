package tfix.engine.testing;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;

import tfix.engine.failure.TfixException;

/**
 * For property tests of parsers: runs one parse on a worker thread with a deadline, and says
 * how it ended. A parse may return or fail with a one-line {@link TfixException}; a hang or any
 * other exception fails the property.
 */
public final class Bounded {
    private static final ExecutorService WORKER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "bounded-parse");
        t.setDaemon(true);
        return t;
    });

    private Bounded() {
    }

    /** The value, or null when the parse refused the input with a one-line TfixException. */
    public static <T> T parse(Callable<T> parse, Duration limit) {
        Future<T> f = WORKER.submit(parse);
        try {
            return f.get(limit.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new AssertionError("no answer within " + limit);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TfixException t) {
                if (t.getMessage() == null || t.getMessage().isEmpty() || t.getMessage().contains("\n")) {
                    throw new AssertionError("not one line: " + t.getMessage());
                }
                return null;
            }
            throw new AssertionError("not a TfixException: " + e.getCause(), e.getCause());
        }
    }
}
