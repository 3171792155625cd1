package tfix.cli.repl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import tfix.dsl.TfixContext;
import tfix.engine.Engine;
import tfix.engine.Options;

/**
 * The interactive session: one {@link TfixContext} and one Groovy binding for the whole
 * session, each input evaluated in it. Whatever happens — an error, Ctrl-C, Ctrl-D,
 * the JVM being told to stop — the target ends detached and running. This class puts the
 * parts together: the terminal, the {@link ReplSession}, the {@link Evaluator}, the
 * {@link LineLoop} and its {@link Prompt}, {@link MetaCommands} and {@link KeySignals}.
 */
public final class Repl {
    /** Settings from the command line. {@code pid}: attach at start (may be null). */
    public record Settings(Options options, boolean debug, Integer pid) {
    }

    private final Settings settings;

    public Repl(Settings settings) {
        this.settings = settings;
    }

    public int run() throws IOException {
        Thread main = Thread.currentThread();
        ExecutorService indexer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "tfix-symbol-index");
            t.setDaemon(true);
            return t;
        });
        Console console = new Console(System.out, settings.debug());
        Evaluator evaluator = null;
        try (Terminal terminal = TerminalBuilder.builder().system(true).name("tfix")
                // Input from a pipe or file works too, on a plain terminal, without a warning.
                .dumb(true).build()) {
            TfixContext ctx = new TfixContext(Engine.create(), settings.options(), console.out(),
                    Path.of("").toAbsolutePath());
            ctx.shareProcess(true); // held only while a statement runs: other tfix runs take turns with it
            ReplCompleter completer = new ReplCompleter(() -> ctx.baseDir(), indexer);
            evaluator = new Evaluator(ctx, completer, console);
            ReplSession session = new ReplSession(ctx, console);
            session.detachOnJvmExit();
            LineReader reader = null;
            try {
                reader = reader(terminal, completer);
                console.reader(reader);
                new KeySignals(ctx, evaluator, console, main).install(terminal);
                console.out().println("tfix repl: `help` lists the verbs, Tab completes, Ctrl-D detaches and leaves");
                if (settings.pid() != null) {
                    evaluator.bind("pid", settings.pid());
                    evaluator.execute("attach pid", Evaluator.NAME);
                }
                Prompt prompt = new Prompt(ctx, completer, terminal);
                prompt.refresh();
                ctx.release();
                new LineLoop(reader, prompt, evaluator, new MetaCommands(ctx, evaluator, console), console).run();
            } finally {
                session.close();
                saveHistory(reader);
            }
        } finally {
            indexer.shutdownNow();
            if (evaluator != null) {
                evaluator.close();
            }
        }
        return 0;
    }

    private static LineReader reader(Terminal terminal, ReplCompleter completer) {
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

    private static void saveHistory(LineReader reader) {
        try {
            reader.getHistory().save();
        } catch (IOException | RuntimeException e) {
            // History is a convenience: never fail the session over it.
        }
    }
}
