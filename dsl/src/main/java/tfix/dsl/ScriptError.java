package tfix.dsl;

/** A script that failed: one line for the user, the cause kept for --debug. */
public final class ScriptError extends RuntimeException {
    public ScriptError(String message, Throwable cause) {
        super(message, cause);
    }
}
