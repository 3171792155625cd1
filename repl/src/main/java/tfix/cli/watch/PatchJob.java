package tfix.cli.watch;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import tfix.dsl.ScriptError;
import tfix.dsl.ScriptRunner;
import tfix.dsl.TfixContext;
import tfix.engine.Engine;
import tfix.engine.EntryAttach;
import tfix.engine.ExecCatcher;
import tfix.engine.Options;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.process.TargetProcess;

/**
 * One process patched by the watch's script, on its own: what it printed, each line with its pid, and how it
 * ended. A process caught at exec is seized at once and held at its entry point (see {@link EntryAttach}); the
 * script then runs over that session (its `attach pid` keeps it). Scripts run one at a time ({@code scripts}).
 */
final class PatchJob {
    enum Outcome { PATCHED, ALREADY, FAILED, GONE }

    private final Engine engine;
    private final Options options;
    private final Path script;
    private final Object scripts;
    private final java.util.function.IntPredicate runsProgram;

    /** {@code runsProgram}: whether a caught process now runs the program (its exec went through). */
    PatchJob(Engine engine, Options options, Path script, Object scripts, java.util.function.IntPredicate runsProgram) {
        this.runsProgram = runsProgram;
        this.engine = engine;
        this.options = options;
        this.script = script;
        this.scripts = scripts;
    }

    /** {@code seized}: caught as it exec'd, to be held at its entry; null: patched as it is (already running). */
    Outcome run(int pid, ExecCatcher.Seized seized, boolean debug) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        Outcome outcome;
        try (TfixContext ctx = new TfixContext(engine, options, out, script.toAbsolutePath().getParent())) {
            if (seized != null) {
                EntryAttach.Caught c = EntryAttach.attach(seized, engine, options);
                ctx.adopt(c.session());
                if (!runsProgram.test(pid)) {
                    // its execve failed after the kernel held it: still the program it was, not ours to patch
                    throw new TfixException(Reason.PROCESS_GONE, "process " + pid + " did not start the program (its exec"
                            + " failed): left as it is");
                }
                out.println(c.atEntry() ? "new process " + pid + " held at its entry point (libraries loaded, no code of"
                        + " the program run yet)" : "new process " + pid + " caught past its entry point: patched as it runs");
            }
            synchronized (scripts) {
                new ScriptRunner(ctx).runFile(script, Map.of("pid", pid));
            }
            String text = buf.toString(StandardCharsets.UTF_8);
            outcome = text.lines().anyMatch(l -> l.startsWith("replaced ") || l.startsWith("applied ")) ? Outcome.PATCHED
                    : text.contains("already replaced") ? Outcome.ALREADY : Outcome.PATCHED;
        } catch (ScriptError | TfixException e) {
            Reason reason = e instanceof ScriptError s ? s.reason() : ((TfixException) e).reason();
            boolean gone = reason == Reason.PROCESS_GONE || !new TargetProcess(pid).alive();
            out.println((gone ? "gone: " : "failed: ") + e.getMessage());
            if (debug) {
                e.printStackTrace(out);
            }
            outcome = gone ? Outcome.GONE : Outcome.FAILED;
        } catch (RuntimeException e) {
            out.println("failed: " + e + " (run with --debug for details)");
            if (debug) {
                e.printStackTrace(out);
            }
            outcome = new TargetProcess(pid).alive() ? Outcome.FAILED : Outcome.GONE;
        }
        StringBuilder lines = new StringBuilder();
        buf.toString(StandardCharsets.UTF_8).lines().forEach(l -> lines.append("pid ").append(pid).append(": ").append(l).append('\n'));
        synchronized (System.out) {
            System.out.print(lines);
            System.out.flush();
        }
        return outcome;
    }
}
