package tfix.engine;

import java.util.Optional;
import java.util.function.Consumer;

import tfix.engine.elf.ProcessSymbols;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.process.ImageStamp;
import tfix.engine.process.ProcMemory;
import tfix.engine.process.TargetProcess;
import tfix.engine.ptrace.Ptrace;
import tfix.engine.ptrace.PtraceThread;
import tfix.engine.ptrace.Tracee;

/** Attaching a session: symbols first, then every thread seized, and everything let go again if that fails. */
final class SessionAttach {
    private SessionAttach() {
    }

    /**
     * Seizes every thread of the process (they keep running) and reads its symbols; while another tfix holds the
     * process, waits its turn, {@code waiting} hearing for whom. The ELF files are read first, before any thread
     * is traced: a traced thread's signals wait for tfix, so nothing slow happens while tfix holds the process.
     */
    static TfixSession attach(int pid, Engine engine, Options options, Consumer<String> waiting) {
        TargetProcess process = new TargetProcess(pid);
        boolean aliveAtStart = process.alive();
        ProcessSymbols early = AttachedTarget.readSymbols(process, engine).orElse(null);
        PtraceThread thread = new PtraceThread(pid, options.holder(), options.lockTimeout(), waiting);
        Tracee tracee;
        try {
            tracee = thread.call(() -> Tracee.attach(process, new Ptrace(engine.nat()), thread));
        } catch (RuntimeException e) {
            thread.close();
            throw e;
        }
        ProcMemory memory = null;
        try {
            Optional<ImageStamp> image = ImageStamp.read(pid); // before mem is opened: it stays bound to this image
            memory = new ProcMemory(pid);
            TfixSession s = new TfixSession(process, options, thread, tracee, memory, engine, early, image);
            thread.whileIdle(tracee::pump);
            return s;
        } catch (RuntimeException e) {
            try {
                thread.run(tracee::detach);
            } finally {
                thread.close();
                if (memory != null) {
                    memory.close();
                }
            }
            if (aliveAtStart && process.exitingOrGone()) {
                throw new TfixException(Reason.PROCESS_GONE, "process " + pid + " exited while tfix was attaching", e);
            }
            throw e;
        }
    }
}
