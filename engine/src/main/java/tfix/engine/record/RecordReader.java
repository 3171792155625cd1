package tfix.engine.record;

import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.process.Maps;
import tfix.engine.process.ProcMemory;
import tfix.engine.process.TargetProcess;

/**
 * A process's patches in force, read through /proc/PID/mem without tracing or stopping it (host-wide
 * status). Sound without a stop: a writer fills a line before it publishes the new length, and retires
 * a record by clearing its magic first, so a reader sees whole lines of one complete record. The record
 * is untrusted input, checked as when attached (a damaged one is refused, never acted on).
 */
public final class RecordReader {
    private RecordReader() {
    }

    /** The patches in force, or empty when the process holds no record. */
    public static Optional<List<AppliedPatch>> inForce(int pid) {
        TargetProcess process = new TargetProcess(pid);
        try (ProcMemory memory = new ProcMemory(pid)) {
            RecordStore record = RecordStore.find(Maps.read(pid), memory).record();
            if (record == null) {
                return Optional.empty();
            }
            return Optional.of(List.copyOf(record.read().inForce(p -> memory.read(p.site(), p.patch().length))));
        } catch (UncheckedIOException e) {
            if (!process.alive()) {
                throw new TfixException(Reason.PROCESS_GONE, "process " + pid + " has exited", e);
            }
            throw new TfixException(Reason.IO, "cannot read the record of process " + pid + ": " + e.getMessage(), e);
        }
    }
}
