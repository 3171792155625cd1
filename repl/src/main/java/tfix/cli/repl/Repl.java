package tfix.cli.repl;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.utils.AttributedString;
import org.jline.utils.AttributedStyle;

import tfix.dsl.ScriptError;
import tfix.dsl.ScriptRunner;
import tfix.dsl.TfixContext;
import tfix.engine.failure.TfixException;
import tfix.engine.TfixSession;
import tfix.engine.elf.ProcessSymbols;
import tfix.engine.record.AppliedPatch;

/**
 * The interactive session: one {@link TfixContext} and one Groovy binding for the whole
 * session, each input evaluated in it. Whatever happens — an error, Ctrl-C, Ctrl-D,
 * the JVM being told to stop — the target ends detached and running.
 */
public final class Repl {
    /** Settings from the command line. {@code pid}: attach at start (may be null). */
    public record Settings(TfixSession.Options options, boolean debug, Integer pid) {
    }

    private static final String NAME = "repl";
    private final Settings settings;
    private final PrintStream out = System.out;
    private final AtomicInteger interrupts = new AtomicInteger();
    private final Thread main = Thread.currentThread();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tfix-repl-hint");
        t.setDaemon(true);
        return t;
    });
    private TfixContext ctx;
    private ScriptRunner runner;
    private ReplCompleter completer;
    private LineReader reader;
    private volatile boolean running;
    private String prompt = "tfix> ";
    private String dot = "\u00b7";
    private Path lastLoaded;

    public Repl(Settings settings) {
        this.settings = settings;
    }

    public int run() throws IOException {
        ExecutorService indexer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "tfix-symbol-index");
            t.setDaemon(true);
            return t;
        });
        try (Terminal terminal = TerminalBuilder.builder().system(true).name("tfix")
                // Input from a pipe or file works too, on a plain terminal, without a warning.
                .dumb(true).build()) {
            if (!terminal.encoding().newEncoder().canEncode(dot)) {
                dot = ":";
            }
            ctx = new TfixContext(TfixSession.Engine.create(), settings.options(), out, Path.of("").toAbsolutePath());
            runner = new ScriptRunner(ctx);
            completer = new ReplCompleter(() -> ctx.baseDir(), indexer);
            // Detach even when the JVM is stopped from outside (SIGTERM, SIGHUP when the terminal goes away).
            Thread hook = new Thread(this::closeOnExit, "tfix-repl-detach");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                reader = reader(terminal);
                terminal.handle(Terminal.Signal.INT, s -> interrupted());
                terminal.handle(Terminal.Signal.TSTP, s -> suspendRequested());
                out.println("tfix repl: `help` lists the verbs, Tab completes, Ctrl-D detaches and leaves");
                if (settings.pid() != null) {
                    runner.binding().setVariable("pid", settings.pid());
                    execute("attach pid", NAME);
                }
                refresh();
                loop();
            } finally {
                closeContext();
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException e) {
                    // Already shutting down: the hook runs and finds nothing left to do.
                }
                saveHistory();
            }
        } finally {
            indexer.shutdownNow();
            timer.shutdownNow();
        }
        return 0;
    }

    private LineReader reader(Terminal terminal) {
        LineReaderBuilder b = LineReaderBuilder.builder().terminal(terminal).appName("tfix")
                .parser(new ReplParser()).completer(completer).highlighter(new ReplHighlighter())
                // Continuation lines of a block line up under the first one.
                .variable(LineReader.SECONDARY_PROMPT_PATTERN, "%P ...> ")
                .variable(LineReader.LIST_MAX, ReplCompleter.MAX + 1)
                // '!' appears in names ('libfoo.so!foo'): no history expansion.
                .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true)
                .option(LineReader.Option.INSERT_TAB, false);
        historyFile().ifPresent(h -> b.variable(LineReader.HISTORY_FILE, h));
        return b.build();
    }

    /** $XDG_STATE_HOME/tfix/history, by default ~/.local/state/tfix/history; none if the folder cannot be made. */
    static Optional<Path> historyFile() {
        String xdg = System.getenv("XDG_STATE_HOME");
        Path state = xdg != null && xdg.startsWith("/") ? Path.of(xdg)
                : Path.of(System.getProperty("user.home"), ".local", "state");
        Path dir = state.resolve("tfix");
        try {
            Files.createDirectories(dir);
            return Optional.of(dir.resolve("history"));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private void loop() {
        while (true) {
            String input;
            try {
                input = reader.readLine(prompt);
            } catch (UserInterruptException e) {
                continue; // Ctrl-C at the prompt: the line is dropped, the session goes on.
            } catch (EndOfFileException e) {
                return; // Ctrl-D
            }
            String t = input.strip();
            if (t.isEmpty()) {
                continue;
            }
            if (List.of("exit", "quit", ":exit", ":quit", ":q").contains(t)) {
                return;
            }
            if (t.equals("help") || t.startsWith("help ") || t.equals(":help")) {
                out.println(Help.answer(t.equals(":help") ? "help" : t));
                continue;
            }
            if (t.startsWith(":")) {
                command(t);
            } else {
                execute(input, NAME);
            }
            refresh();
        }
    }

    /** `:load FILE` and `:reload`: a script run inside the session, paths relative to its folder. */
    private void command(String t) {
        String[] parts = t.split("\\s+", 2);
        switch (parts[0]) {
            case ":load" -> {
                if (parts.length < 2) {
                    error(":load takes a file: :load fix.tfix.groovy", null);
                    return;
                }
                String arg = parts[1].strip().replaceAll("^['\"]|['\"]$", "");
                load(ctx.baseDir().resolve(arg).toAbsolutePath().normalize());
            }
            case ":reload" -> {
                if (lastLoaded == null) {
                    error("nothing loaded yet: use :load FILE first", null);
                } else {
                    load(lastLoaded);
                }
            }
            default -> error("unknown command " + parts[0] + ": the commands are :load FILE, :reload, :help, :quit", null);
        }
    }

    private void load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            error("cannot read " + file + ": " + e.getMessage(), e);
            return;
        }
        lastLoaded = file;
        Path saved = ctx.baseDir();
        ctx.baseDir(file.getParent());
        try {
            execute(text, file.getFileName().toString());
        } finally {
            ctx.baseDir(saved);
        }
    }

    /** Runs Groovy text in the session; prints plain values, and errors as one line. */
    private void execute(String text, String name) {
        completer.noteInput(text, ctx.baseDir());
        interrupts.set(0);
        running = true;
        // A command that is still running after a second says how to stop it.
        ScheduledFuture<?> hint = timer.schedule(() -> {
            synchronized (this) {
                if (running) {
                    out.println("... still running: Ctrl-C cancels (the target keeps running as it was)");
                }
            }
        }, 1, TimeUnit.SECONDS);
        try {
            Object result = runner.evaluate(text, name, Map.of());
            // Verbs print their own output; only the values of plain expressions (1 + 2) are shown.
            if (result instanceof Number || result instanceof String || result instanceof Boolean
                    || result instanceof Character) {
                out.println(result);
            }
        } catch (ScriptError | TfixException e) {
            error(shorten(e.getMessage(), name, text), e);
        } catch (RuntimeException | AssertionError | StackOverflowError e) {
            error(e.getClass().getSimpleName() + ": " + e.getMessage(), e);
        } finally {
            hint.cancel(false);
            synchronized (this) {
                running = false; // after this, no hint can print
            }
            Thread.interrupted(); // a second Ctrl-C may have interrupted this thread
            out.flush();
        }
    }

    /** "repl:1: unknown verb..." reads "unknown verb..." for one line, "line 3: ..." in a block. */
    static String shorten(String message, String name, String text) {
        if (message == null || !name.equals(NAME)) {
            return message;
        }
        if (message.startsWith(NAME + ": ")) {
            return message.substring(NAME.length() + 2);
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^" + NAME + ":(\\d+): ").matcher(message);
        if (m.find()) {
            String rest = message.substring(m.end());
            return text.strip().contains("\n") ? "line " + m.group(1) + ": " + rest : rest;
        }
        return message;
    }

    private void error(String message, Throwable cause) {
        AttributedString label = new AttributedString("error: ", AttributedStyle.BOLD.foreground(AttributedStyle.RED));
        out.println((reader == null ? label.toString() : label.toAnsi(reader.getTerminal())) + message);
        if (settings.debug() && cause != null) {
            cause.printStackTrace(out);
        }
    }

    /** After each command (never per keystroke): the prompt's pid and patch count, and what completion knows. */
    private void refresh() {
        ProcessSymbols symbols = null;
        List<AppliedPatch> inForce = List.of();
        String count = "?";
        if (ctx.attached()) {
            try {
                TfixSession s = ctx.session();
                symbols = s.symbols();
                inForce = s.status();
                count = Integer.toString(inForce.size());
            } catch (RuntimeException e) {
                // The process may have exited: the prompt shows '?' and the next command says why.
            }
            prompt = new AttributedString("tfix[" + ctx.session().pid() + " " + dot + count + "]> ", AttributedStyle.BOLD)
                    .toAnsi(reader.getTerminal());
        } else {
            prompt = new AttributedString("tfix> ", AttributedStyle.BOLD).toAnsi(reader.getTerminal());
        }
        completer.update(symbols, inForce.stream().map(AppliedPatch::function).toList(),
                inForce.stream().map(AppliedPatch::patchFile).toList());
    }

    /**
     * Ctrl-C while a command runs (at the prompt JLine has its own handler): first ask the
     * engine to stop waiting, which leaves the target as it was; then interrupt a Groovy
     * wait; a third time leaves tfix, detaching on the way out.
     */
    private void interrupted() {
        if (!running) {
            return;
        }
        int n = interrupts.incrementAndGet();
        boolean attached = ctx.attached();
        if (n == 1 && attached) {
            ctx.session().cancel();
            out.println();
            out.println("cancelling... (Ctrl-C again interrupts the command)");
        } else if (n <= 2) {
            main.interrupt();
            out.println();
            out.println("interrupting... (Ctrl-C once more leaves tfix, detaching first)");
        } else {
            new Thread(() -> System.exit(130), "tfix-repl-exit").start();
        }
    }

    /**
     * Ctrl-Z would stop tfix while it traces the target, and a traced process that gets a
     * signal then waits for its stopped tracer: so not while attached.
     */
    private void suspendRequested() {
        if (ctx.attached()) {
            String msg = "Ctrl-Z is disabled while attached (process " + ctx.session().pid()
                    + " would hang on its next signal): detach first, or leave with Ctrl-D";
            if (running) {
                out.println();
                out.println(msg);
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

    private synchronized void closeContext() {
        try {
            ctx.close();
        } catch (RuntimeException e) {
            error(e.getMessage(), e);
        }
    }

    private void closeOnExit() {
        try {
            if (ctx.attached()) {
                ctx.session().cancel();
            }
        } catch (RuntimeException e) {
            // Detaching below is what matters.
        }
        closeContext();
    }

    private void saveHistory() {
        try {
            reader.getHistory().save();
        } catch (IOException | RuntimeException e) {
            // History is a convenience: never fail the session over it.
        }
    }
}
