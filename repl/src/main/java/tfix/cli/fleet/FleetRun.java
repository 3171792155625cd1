package tfix.cli.fleet;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.function.Supplier;

import tfix.dsl.ScriptError;
import tfix.dsl.ScriptRunner;
import tfix.engine.Engine;
import tfix.engine.Options;
import tfix.engine.failure.TfixException;
import tfix.engine.process.FileIdentity;
import tfix.engine.process.ProcessScan;
import tfix.engine.record.RecordStore;

/**
 * run, exec, status, verify and revert over --all PATH, over every patched process (status alone), or over
 * one --pid with --json. One engine (ELF, branch-index caches, decoder) and one compiled script serve every
 * process of the command.
 */
public final class FleetRun {
    /**
     * What the command asks: its name, the --pid given (or null), the folder paths resolve against, the
     * variables its script needs besides `pid`, and its script, compiled only once the input is checked.
     */
    public record Request(String command, Integer pid, Options options, boolean debug, boolean dryRun, Path baseDir,
                          Map<String, Object> variables, Supplier<ScriptRunner.Compiled> script) {
    }

    private final Request request;
    private final FleetOptions fleet;
    private final PrintStream out;
    private final PrintStream err;

    private FleetRun(Request request, FleetOptions fleet, PrintStream out, PrintStream err) {
        this.request = request;
        this.fleet = fleet;
        this.out = out;
        this.err = err;
    }

    /** Runs the command; returns its exit code ({@link ExitCodes}). */
    public static int execute(Request request, FleetOptions fleet) {
        return execute(request, fleet, System.out, System.err);
    }

    /** The same, printing to these streams (tfix bench). */
    public static int execute(Request request, FleetOptions fleet, PrintStream out, PrintStream err) {
        return new FleetRun(request, fleet, out, err).execute();
    }

    private int execute() {
        String usage = usageError();
        if (usage != null) {
            err.println("tfix: " + usage);
            return ExitCodes.USAGE;
        }
        try {
            Engine engine = tfix.cli.CommandScope.engine();
            boolean hostWide = request.pid() == null && fleet.all == null;
            boolean readStatus = request.command().equals("status") && request.pid() == null;
            IntFunction<ProcessResult> job = readStatus ? new StatusReadJob(engine, hostWide)::run
                    : new ProcessJob(request.command(), engine, request.options(), request.script().get(), request.baseDir(),
                    request.dryRun(), request.variables(), fleet.via())::run;
            Fleet runner = new Fleet(request.command(), fleet.parallel, fleet.json, out, err);
            if (request.pid() != null) {
                FleetSummary one = runner.run(List.of(request.pid()), job);
                return one.exitCode() == ExitCodes.OK ? ExitCodes.OK : ExitCodes.FAILED;
            }
            List<Integer> pids = hostWide ? new ProcessScan().mapping("/memfd:" + RecordStore.NAME)
                    : new ProcessScan().using(FileIdentity.of(tfix.cli.CommandScope.resolve(fleet.all)).orElseThrow());
            FleetSummary summary = runner.run(pids, job);
            if (summary.results().isEmpty()) {
                (fleet.json ? err : out).println(hostWide ? "tfix status: no process on this host has tfix patches in force"
                        : "tfix " + request.command() + ": no process runs or maps " + fleet.all + " (matched by the file"
                        + " itself: a process still running an older file at that path is not counted)");
                if (fleet.json) {
                    JsonLines.print(out, summary.json());
                }
                return hostWide ? ExitCodes.OK : ExitCodes.NO_PROCESS;
            }
            runner.summarize(summary);
            return summary.exitCode();
        } catch (ScriptError | TfixException e) {
            return fail(e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted", e);
        } catch (RuntimeException e) {
            return fail(e.getClass().getSimpleName() + ": " + e.getMessage() + " (run with --debug for details)", e);
        }
    }

    /** The one line for a command that cannot start as given, or null. */
    private String usageError() {
        if (fleet.all != null && request.pid() != null) {
            return "--all and --pid exclude each other: --pid names one process, --all PATH every process of one program"
                    + " or library";
        }
        if (fleet.via != null) {
            try {
                fleet.via();
            } catch (TfixException e) {
                return "--via " + fleet.via + " is not a route: use agent-first, ptrace, agent or auto";
            }
        }
        if (fleet.parallel < 1) {
            return "--parallel takes a number of processes from 1 up, not " + fleet.parallel;
        }
        if (fleet.all != null && (!Files.exists(tfix.cli.CommandScope.resolve(fleet.all))
                || FileIdentity.of(tfix.cli.CommandScope.resolve(fleet.all)).isEmpty())) {
            return "--all " + fleet.all + ": no such file: give the path of the program or library as it is on disk"
                    + " (for a library, the file /proc/PID/maps names)";
        }
        if (request.pid() == null && fleet.all == null && !request.command().equals("status")) {
            return request.command() + (fleet.json ? " --json" : "") + " needs a process: --pid PID for one, --all PATH for"
                    + " every process of a program or library";
        }
        return null;
    }

    private int fail(String message, Throwable e) {
        err.println("tfix: " + message);
        if (request.debug()) {
            e.printStackTrace(err);
        }
        return ExitCodes.FAILED;
    }
}
