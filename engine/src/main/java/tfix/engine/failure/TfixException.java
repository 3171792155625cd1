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
        // The same failure re-told with more context keeps its limit; another reason (the process died) does not.
        this.limit = cause instanceof TfixException t && t.reason == reason ? t.limit : null;
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

    /** The limit of the first tfix failure along a failure's causes (a script error wraps one), or null. */
    public static Limit limitOf(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof TfixException x) {
                return x.limit;
            }
        }
        return null;
    }

    /** The same failure told with more context in front, keeping its reason. */
    public TfixException prefixed(String context) {
        return new TfixException(reason, limit, context + getMessage(), this);
    }
}
