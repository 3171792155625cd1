package tfix.engine;

/**
 * An error a user can act on: the message names the cause and, where there is one,
 * the remedy. The command line prints it as one line.
 */
public class TfixException extends RuntimeException {
    public TfixException(String message) {
        super(message);
    }

    public TfixException(String message, Throwable cause) {
        super(message, cause);
    }
}
