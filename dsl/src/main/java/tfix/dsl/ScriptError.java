package tfix.dsl;

import tfix.engine.failure.Reason;

/**
 * A script that failed: one line for the user (the message), the reason, and where:
 * the script's name and line ({@code line} 0 when no line applies). The cause is kept
 * for --debug.
 */
public final class ScriptError extends RuntimeException {
    private final Reason reason;
    private final String script;
    private final int line;

    public ScriptError(Reason reason, String script, int line, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.script = script;
        this.line = line;
    }

    public Reason reason() {
        return reason;
    }

    /** The script's name as errors show it ("exec", "fix.tfix.groovy", "repl"), or null for a command's own script. */
    public String script() {
        return script;
    }

    public int line() {
        return line;
    }
}
