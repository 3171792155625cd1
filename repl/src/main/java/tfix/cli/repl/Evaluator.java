package tfix.cli.repl;

import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import tfix.cli.OptionHints;
import tfix.dsl.ScriptError;
import tfix.dsl.ScriptRunner;
import tfix.dsl.TfixContext;
import tfix.engine.failure.TfixException;

/**
 * Runs Groovy text in the session's one binding: prints plain values, and errors as one line;
 * a command still running after a second says how to stop it. Knows whether a command runs
 * and how many times Ctrl-C was pressed during it.
 */
final class Evaluator implements AutoCloseable {
    /** The script name of what is typed at the prompt. */
    static final String NAME = "repl";
    private final TfixContext ctx;
    private final ScriptRunner runner;
    private final ReplCompleter completer;
    private final Console console;
    private final AtomicInteger interrupts = new AtomicInteger();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tfix-repl-hint");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean running;

    Evaluator(TfixContext ctx, ReplCompleter completer, Console console) {
        this.ctx = ctx;
        this.runner = new ScriptRunner(ctx);
        this.completer = completer;
        this.console = console;
    }

    /** Binds a variable for every later input (`pid`). */
    void bind(String name, Object value) {
        runner.binding().setVariable(name, value);
    }

    boolean running() {
        return running;
    }

    /** Counts a Ctrl-C during the running command; the count of this command so far. */
    int interrupted() {
        return interrupts.incrementAndGet();
    }

    /** Runs Groovy text in the session; prints plain values, and errors as one line. */
    void execute(String text, String name) {
        completer.noteInput(text, ctx.baseDir());
        interrupts.set(0);
        running = true;
        // A command that is still running after a second says how to stop it.
        ScheduledFuture<?> hint = timer.schedule(() -> {
            synchronized (this) {
                if (running) {
                    console.out().println("... still running: Ctrl-C cancels (the target keeps running as it was)");
                }
            }
        }, 1, TimeUnit.SECONDS);
        try {
            Object result = runner.evaluate(text, name, Map.of());
            // Verbs print their own output; only the values of plain expressions (1 + 2) are shown.
            if (result instanceof Number || result instanceof String || result instanceof Boolean
                    || result instanceof Character) {
                console.out().println(result);
            }
        } catch (ScriptError e) {
            console.error(OptionHints.withHint(shorten(e, text), e), e);
        } catch (TfixException e) {
            console.error(OptionHints.withHint(e.getMessage(), e), e);
        } catch (RuntimeException | AssertionError | StackOverflowError e) {
            console.error(e.getClass().getSimpleName() + ": " + e.getMessage(), e);
        } finally {
            hint.cancel(false);
            synchronized (this) {
                running = false; // after this, no hint can print
            }
            Thread.interrupted(); // a second Ctrl-C may have interrupted this thread
            console.out().flush();
        }
    }

    /**
     * "repl:1: unknown verb..." reads "unknown verb..." for one line, "line 3: ..." in a block.
     * The line number is the error's own field, never parsed back out of its text.
     */
    static String shorten(ScriptError e, String text) {
        String message = e.getMessage();
        if (message == null || !NAME.equals(e.script())) {
            return message;
        }
        String where = NAME + (e.line() > 0 ? ":" + e.line() : "") + ": ";
        if (!message.startsWith(where)) {
            return message;
        }
        String rest = message.substring(where.length());
        return e.line() > 0 && text.strip().contains("\n") ? "line " + e.line() + ": " + rest : rest;
    }

    /** Stops the hint timer. */
    @Override
    public void close() {
        timer.shutdownNow();
    }
}
