package tfix.engine.failure;

/**
 * An error a user can act on: the message names the cause and, where there is one, the
 * remedy, and the command line prints it as one line; the {@link Reason} says the same
 * for programs and tests.
 */
public class TfixException extends RuntimeException {
    private final Reason reason;
    /** The session limit this failure ran into, or null. */
    private final Limit limit;

    public TfixException(Reason reason, String message) {
        super(Printable.of(message)); // names in it may come from a target: one line, no terminal controls
        this.reason = reason;
        this.limit = null;
    }

    /** A failure because a session limit ran out: {@code limit} says which, for the option that raises it. */
    public TfixException(Reason reason, Limit limit, String message) {
        super(Printable.of(message));
        this.reason = reason;
        this.limit = limit;
    }

    public TfixException(Reason reason, String message, Throwable cause) {
        super(Printable.of(message), cause);
        this.reason = reason;
        this.limit = null;
    }

    private TfixException(Reason reason, Limit limit, String message, Throwable cause) {
        super(Printable.of(message), cause);
        this.reason = reason;
        this.limit = limit;
    }

    public Reason reason() {
        return reason;
    }

    /** The session limit this failure ran into, or null (kept by {@link #prefixed}). */
    public Limit limit() {
        return limit;
    }

    /**
     * The limit behind a failure (a script error wraps one, and a step may re-tell it with more context under the
     * same reason); null when none, or when a failure of another reason (the process died meanwhile) took over.
     */
    public static Limit limitOf(Throwable e) {
        Reason first = null;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof TfixException x) {
                if (first == null) {
                    first = x.reason;
                } else if (x.reason != first) {
                    return null;
                }
                if (x.limit != null) {
                    return x.limit;
                }
            }
        }
        return null;
    }

    /** The same failure told with more context in front, keeping its reason. */
    public TfixException prefixed(String context) {
        return new TfixException(reason, limit, context + getMessage(), this);
    }
}
