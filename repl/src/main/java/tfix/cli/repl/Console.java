package tfix.cli.repl;

import java.io.PrintStream;

import org.jline.reader.LineReader;
import org.jline.utils.AttributedString;
import org.jline.utils.AttributedStyle;

import tfix.engine.failure.Printable;

/** Where the session prints: its output, and errors as one line ("error: " in bold red on a terminal). */
final class Console {
    private final PrintStream out;
    private final boolean debug;
    private volatile LineReader reader;

    Console(PrintStream out, boolean debug) {
        this.out = out;
        this.debug = debug;
    }

    PrintStream out() {
        return out;
    }

    /** The line reader, once there is one: errors are coloured for its terminal from then on. */
    void reader(LineReader reader) {
        this.reader = reader;
    }

    LineReader reader() {
        return reader;
    }

    /** One line; with --debug, the cause's stack trace after it. */
    void error(String message, Throwable cause) {
        AttributedString label = new AttributedString("error: ", AttributedStyle.BOLD.foreground(AttributedStyle.RED));
        LineReader r = reader;
        out.println((r == null ? label.toString() : label.toAnsi(r.getTerminal())) + Printable.of(message));
        if (debug && cause != null) {
            cause.printStackTrace(out);
        }
    }
}
