package tfix.engine;

import java.util.Optional;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.process.ImageStamp;
import tfix.engine.process.ProcMemory;
import tfix.engine.process.TargetProcess;
import tfix.engine.ptrace.EntryRun;
import tfix.engine.ptrace.Ptrace;
import tfix.engine.ptrace.PtraceThread;
import tfix.engine.ptrace.Tracee;

/**
 * Attaching to a process caught as it exec'd ({@code tfix watch}): seized at once, its main thread run to the
 * program's entry point and held there (the loader done, no code of the program run), then a session as
 * {@link TfixSession#attach} makes one, its symbols read only now that every library is loaded. The main thread
 * stays stopped until the session's first apply resumes the process, or the detach.
 */
public final class EntryAttach {
    /** The session, and whether the process was held at its entry (else it had passed it when caught). */
    public record Caught(TfixSession session, boolean atEntry) {
    }

    private EntryAttach() {
    }

    /** {@code seized}: the process as {@link ExecCatcher} seized it; its tracer thread becomes the session's. */
    public static Caught attach(ExecCatcher.Seized seized, Engine engine, Options options) {
        int pid = seized.pid();
        TargetProcess process = new TargetProcess(pid);
        PtraceThread thread = seized.thread();
        Tracee tracee;
        try {
            tracee = thread.call(() -> Tracee.attach(process, new Ptrace(engine.nat()), thread));
        } catch (RuntimeException e) {
            thread.close();
            throw e;
        }
        ProcMemory memory = null;
        try {
            EntryRun.Outcome outcome = thread.call(() -> EntryRun.toEntry(tracee, options.callTimeout()));
            Optional<ImageStamp> image = ImageStamp.read(pid);
            memory = new ProcMemory(pid);
            TfixSession s = new TfixSession(process, options, new PtraceRoute(thread, tracee), memory, engine, null, image);
            thread.forwardWhileIdle(tracee);
            return new Caught(s, outcome == EntryRun.Outcome.AT_ENTRY);
        } catch (RuntimeException e) {
            try {
                thread.run(tracee::detach);
            } catch (RuntimeException gone) {
                e.addSuppressed(gone);
            } finally {
                thread.close();
                if (memory != null) {
                    memory.close();
                }
            }
            if (!process.alive()) {
                throw new TfixException(Reason.PROCESS_GONE, "process " + pid + " exited before tfix could patch it", e);
            }
            throw e;
        }
    }
}
