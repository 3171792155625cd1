package tfix.cli;

import tfix.engine.failure.Limit;
import tfix.engine.failure.TfixException;

/** A refusal that ran into one of the session's limits names the option that changes it (the engine knows none). */
public final class OptionHints {
    private OptionHints() {
    }

    /** {@code message}, followed by the option that raises the limit its failure ran into, if any. */
    public static String withHint(String message, Throwable failure) {
        Limit limit = TfixException.limitOf(failure);
        if (limit == null || message == null) {
            return message;
        }
        return message + switch (limit) {
            case THREAD_TIMEOUT -> " (--thread-timeout MS raises the wait)";
            case CALL_TIMEOUT -> " (--call-timeout SECONDS raises the limit)";
            case LOCK_TIMEOUT -> " (--lock-timeout SECONDS raises the wait)";
        };
    }
}
