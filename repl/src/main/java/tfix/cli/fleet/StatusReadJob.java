package tfix.cli.fleet;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import tfix.dsl.TfixContext;
import tfix.engine.Engine;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.process.TargetProcess;
import tfix.engine.record.AppliedPatch;
import tfix.engine.record.RecordReader;

/**
 * Status of one process read from its record through /proc/PID/mem, without attaching: many processes,
 * none stopped or traced, and one held by a debugger is still shown.
 */
final class StatusReadJob {
    private final Engine engine;
    private final boolean onlyPatched;

    /** {@code onlyPatched}: a process with a record but no patch in force is left out (host-wide status). */
    StatusReadJob(Engine engine, boolean onlyPatched) {
        this.engine = engine;
        this.onlyPatched = onlyPatched;
    }

    /** The result, or null for a process left out. */
    ProcessResult run(int pid) {
        ProgramInfo program = ProgramInfo.of(pid, engine);
        try {
            List<AppliedPatch> inForce = RecordReader.inForce(pid).orElse(List.of());
            if (onlyPatched && inForce.isEmpty()) {
                return null;
            }
            ByteArrayOutputStream text = new ByteArrayOutputStream();
            TfixContext.printStatus(new PrintStream(text, true, StandardCharsets.UTF_8), pid, inForce);
            return new ProcessResult("status", pid, program.program(), program.buildId(), Outcome.LISTED, null, null, 0,
                    inForce.stream().map(p -> SiteResult.of(p, null)).toList(), text.toString(StandardCharsets.UTF_8));
        } catch (TfixException e) {
            boolean gone = e.reason() == Reason.PROCESS_GONE || !new TargetProcess(pid).alive();
            if (gone && onlyPatched) {
                return null; // host-wide: a process that exited has nothing in force
            }
            return new ProcessResult("status", pid, program.program(), program.buildId(), gone ? Outcome.GONE : Outcome.FAILED,
                    gone ? Reason.PROCESS_GONE : e.reason(), e.getMessage(), 0, List.of(), "");
        }
    }
}
