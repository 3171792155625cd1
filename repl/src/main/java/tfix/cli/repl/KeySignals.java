package tfix.cli.repl;

import java.io.IOException;

import org.jline.reader.LineReader;
import org.jline.terminal.Terminal;
import tfix.dsl.TfixContext;

/** Ctrl-C and Ctrl-Z while the session runs: what they do depends on whether a command runs and a process is attached. */
final class KeySignals {
    private final TfixContext ctx;
    private final Evaluator evaluator;
    private final Console console;
    private final Thread main;

    /** {@code main}: the thread that runs the commands, interrupted by a second Ctrl-C. */
    KeySignals(TfixContext ctx, Evaluator evaluator, Console console, Thread main) {
        this.ctx = ctx;
        this.evaluator = evaluator;
        this.console = console;
        this.main = main;
    }

    void install(Terminal terminal) {
        terminal.handle(Terminal.Signal.INT, s -> interrupted());
        terminal.handle(Terminal.Signal.TSTP, s -> suspendRequested());
    }

    /**
     * Ctrl-C while a command runs (at the prompt JLine has its own handler): first ask the
     * engine to stop waiting, which leaves the target as it was; then interrupt a Groovy
     * wait; a third time leaves tfix, detaching on the way out.
     */
    private void interrupted() {
        if (!evaluator.running()) {
            return;
        }
        int n = evaluator.interrupted();
        boolean attached = ctx.attached();
        if (n == 1 && attached) {
            ctx.cancel();
            console.out().println();
            console.out().println("cancelling... (Ctrl-C again interrupts the command)");
        } else if (n <= 2) {
            main.interrupt();
            console.out().println();
            console.out().println("interrupting... (Ctrl-C once more leaves tfix, detaching first)");
        } else {
            new Thread(() -> System.exit(130), "tfix-repl-exit").start();
        }
    }

    /**
     * Ctrl-Z would stop tfix while it traces the target, and a traced process that gets a
     * signal then waits for its stopped tracer: so not while attached.
     */
    private void suspendRequested() {
        if (ctx.holding()) {
            String msg = "Ctrl-Z is disabled while attached (process " + ctx.pid()
                    + " would hang on its next signal): detach first, or leave with Ctrl-D";
            LineReader reader = console.reader();
            if (evaluator.running()) {
                console.out().println();
                console.out().println(msg);
            } else {
                reader.printAbove(msg);
            }
            return;
        }
        try {
            new ProcessBuilder("kill", "-STOP", Long.toString(ProcessHandle.current().pid())).start();
        } catch (IOException e) {
            // Cannot suspend: carry on.
        }
    }
}
