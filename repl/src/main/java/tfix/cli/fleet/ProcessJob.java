package tfix.cli.fleet;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import tfix.dsl.ScriptError;
import tfix.dsl.ScriptRunner;
import tfix.dsl.TfixContext;
import tfix.engine.Engine;
import tfix.engine.Options;
import tfix.engine.Via;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.process.TargetProcess;
import tfix.engine.timing.Phases;

/**
 * One command's script over one process: its own context and session (its own tracer thread),
 * `pid` bound, its text kept in a buffer, its result taken from the engine's values. The engine and
 * the compiled script are shared by every process of the command.
 */
final class ProcessJob {
    private final String command;
    private final Engine engine;
    private final Options options;
    private final ScriptRunner.Compiled script;
    private final Path baseDir;
    private final boolean dryRun;
    private final Map<String, Object> variables;
    /** The route of an `attach pid` that names none. */
    private final Via via;

    ProcessJob(String command, Engine engine, Options options, ScriptRunner.Compiled script, Path baseDir, boolean dryRun,
               Map<String, Object> variables, Via via) {
        this.command = command;
        this.engine = engine;
        this.options = options;
        this.script = script;
        this.baseDir = baseDir;
        this.dryRun = dryRun;
        this.variables = Map.copyOf(variables);
        this.via = via;
    }

    ProcessResult run(int pid) {
        try (Phases.Span s = Phases.start("whole process (its job)")) {
            return runTimed(pid);
        }
    }

    private ProcessResult runTimed(int pid) {
        TargetProcess process = new TargetProcess(pid);
        if (!process.alive()) {
            return gone(pid, ProgramInfo.NONE, "process " + pid + " exited before its turn");
        }
        ProgramInfo program;
        try (Phases.Span s = Phases.start("program and build id")) {
            program = ProgramInfo.of(pid, engine);
        }
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(text, true, StandardCharsets.UTF_8);
        ResultCollector results = new ResultCollector();
        TfixContext ctx = new TfixContext(engine, options, out, baseDir, dryRun);
        ctx.listener(results);
        ctx.defaultVia(via);
        ctx.warnings(w -> out.println("tfix: warning: " + w));
        Map<String, Object> vars = new HashMap<>(variables);
        vars.put("pid", pid);
        try {
            new ScriptRunner(ctx).runCompiled(script, vars);
            return new ProcessResult(command, pid, program.program(), program.buildId(), results.outcome(), null, null,
                    results.freezeMillis(), results.sites(), text.toString(StandardCharsets.UTF_8), results.route());
        } catch (ScriptError | TfixException e) {
            Reason reason = e instanceof ScriptError s ? s.reason() : ((TfixException) e).reason();
            return failed(pid, program, reason, e.getMessage(), results, text);
        } catch (RuntimeException e) {
            return failed(pid, program, null, e.getClass().getSimpleName() + ": " + e.getMessage(), results, text);
        } finally {
            ctx.close();
        }
    }

    /** A failure, told apart: the process gone meanwhile, or held by another tracer (skipped), or failed. */
    private ProcessResult failed(int pid, ProgramInfo program, Reason reason, String message, ResultCollector results,
                                 ByteArrayOutputStream text) {
        Outcome outcome;
        if (reason == Reason.PROCESS_GONE || !new TargetProcess(pid).alive()) {
            outcome = Outcome.GONE;
            reason = Reason.PROCESS_GONE;
        } else if (reason == Reason.ALREADY_TRACED) {
            outcome = Outcome.SKIPPED;
        } else {
            outcome = Outcome.FAILED;
        }
        return new ProcessResult(command, pid, program.program(), program.buildId(), outcome, reason, message,
                results.freezeMillis(), results.sites(), text.toString(StandardCharsets.UTF_8), results.route());
    }

    private ProcessResult gone(int pid, ProgramInfo program, String message) {
        return new ProcessResult(command, pid, program.program(), program.buildId(), Outcome.GONE, Reason.PROCESS_GONE,
                message, 0, List.of(), "");
    }
}
