package tfix.cli;

import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** {@code --debug}: the engine's DEBUG lines (which debug files gave a module its symbols, which were ignored) on stderr. */
final class DebugLog {
    /** Held: java.util.logging keeps loggers weakly, and a collected one forgets its level. */
    private static Logger engine;

    private DebugLog() {
    }

    static synchronized void enable() {
        if (engine != null) {
            return;
        }
        engine = Logger.getLogger("tfix.engine");
        ConsoleHandler h = new ConsoleHandler();
        h.setLevel(Level.FINE);
        h.setFilter(r -> CommandScope.debugHere()); // in the service, only commands run with --debug see them
        h.setFormatter(new Formatter() {
            @Override
            public String format(LogRecord r) {
                return "tfix debug: " + formatMessage(r) + System.lineSeparator();
            }
        });
        engine.setLevel(Level.FINE);
        engine.addHandler(h);
        engine.setUseParentHandlers(false);
    }
}
