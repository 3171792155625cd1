package tfix.engine;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

import tfix.engine.apply.Installer;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.patch.OriginalCopies;
import tfix.engine.process.Maps;
import tfix.engine.process.ProcMemory;
import tfix.engine.process.TargetProcess;
import tfix.engine.ptrace.TraceClaim;
import tfix.engine.record.AppliedPatch;
import tfix.engine.record.RecordStore;
import tfix.engine.x86.X86Decoder;

/**
 * status and verify of one process without attaching: its record and patched bytes read with plain reads of
 * /proc/PID/mem and /proc/PID/maps. The kernel lets whoever may trace the process open that file (root, or a user with
 * CAP_SYS_PTRACE over its own processes), so no ptrace, no libc binding and no ELF file is needed, which is most of a
 * cold command's time. Taken under the per-process claim, as an attach is: no tfix changes the record meanwhile. Sound
 * without a stop for the same reason as {@link tfix.engine.record.RecordReader}: a writer publishes a line's length
 * only after the line, and everything read is checked as when attached (a damaged record is refused).
 */
public final class RecordLook implements AutoCloseable {
    private final int pid;
    private final TraceClaim claim;
    private final ProcMemory memory;

    private RecordLook(int pid, TraceClaim claim, ProcMemory memory) {
        this.pid = pid;
        this.claim = claim;
        this.memory = memory;
    }

    /**
     * The look, or empty when this route is closed (no such process, or its memory file refused to this user): the
     * caller attaches instead, which then says why in its own words.
     */
    public static Optional<RecordLook> open(int pid, Options options, Consumer<String> waiting) {
        if (pid <= 0 || !Files.isDirectory(Path.of("/proc", Integer.toString(pid)))) {
            return Optional.empty();
        }
        TraceClaim claim = TraceClaim.take(pid, options.holder(), options.lockTimeout(), waiting);
        try {
            return Optional.of(new RecordLook(pid, claim, new ProcMemory(pid)));
        } catch (TfixException | UncheckedIOException e) {
            if (claim != null) {
                claim.close();
            }
            if (e instanceof TfixException t && t.reason() != Reason.PERMISSION) {
                throw t;
            }
            return Optional.empty();
        }
    }

    public int pid() {
        return pid;
    }

    /** The patches whose jump is in place, as an attached session's status lists them. */
    public List<AppliedPatch> status() {
        return reading(() -> {
            RecordStore record = RecordStore.find(Maps.read(pid), memory).record();
            return record == null ? List.of()
                    : List.copyOf(record.read().inForce(p -> memory.read(p.site(), p.patch().length)));
        });
    }

    /** Every patched site (and trampoline, pad, copy) read back and compared with the record, as attached. */
    public List<Results.Verified> verify() {
        return reading(() -> {
            Maps maps = Maps.read(pid);
            RecordStore record = RecordStore.find(maps, memory).record();
            if (record == null) {
                return List.of();
            }
            List<AppliedPatch> inForce = record.read().inForce(p -> memory.read(p.site(), p.patch().length));
            // Capstone is bound only for a patch with an `original:` copy to check (the decoder binds on first use).
            OriginalCopies copies = new OriginalCopies(new X86Decoder());
            return inForce.stream().map(p -> {
                Installer.ReadBack back = Installer.readBack(memory, maps, p, copies);
                return new Results.Verified(p, back.inPlace(), back.bytes());
            }).toList();
        });
    }

    private interface Read<T> {
        T run();
    }

    /** A read that fails because the process went away says so, as an attached session would. */
    private <T> T reading(Read<T> read) {
        try {
            return read.run();
        } catch (UncheckedIOException e) {
            if (!new TargetProcess(pid).alive()) {
                throw new TfixException(Reason.PROCESS_GONE, "process " + pid + " has exited", e);
            }
            throw new TfixException(Reason.IO, "cannot read the record of process " + pid + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        memory.close();
        if (claim != null) {
            claim.close();
        }
    }
}
