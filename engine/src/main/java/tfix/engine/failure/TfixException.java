package tfix.engine.failure;

/**
 * An error a user can act on: the message names the cause and, where there is one, the
 * remedy, and the command line prints it as one line; the {@link Reason} says the same
 * for programs and tests.
 */
public class TfixException extends RuntimeException {
    private final Reason reason;

    public TfixException(Reason reason, String message) {
        super(Printable.of(message)); // names in it may come from a target: one line, no terminal controls
        this.reason = reason;
    }

    public TfixException(Reason reason, String message, Throwable cause) {
        super(Printable.of(message), cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    /** The same failure told with more context in front, keeping its reason. */
    public TfixException prefixed(String context) {
        return new TfixException(reason, context + getMessage(), this);
    }
}
