package tfix.engine;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

import tfix.engine.ptrace.Ptrace;
import tfix.engine.ptrace.PtraceThread;
import tfix.engine.sys.SyscallException;

/**
 * Seizes a process the moment its execve is heard of, before its loader is done: the dynamic loader of a small
 * program takes well under a millisecond, so the seize runs on a tracer thread started (and its native binding
 * warmed) beforehand, and stops the process at once (PTRACE_INTERRUPT); the session is built after, at leisure
 * ({@link EntryAttach}). The kernel ties a tracee to the thread that seized it: that thread becomes the session's.
 */
public final class ExecCatcher implements AutoCloseable {
    private final Engine engine;
    private PtraceThread spare;

    /** A process seized (or, if it failed, to be seized again by the attach, which then says why) on its thread. */
    public record Seized(int pid, PtraceThread thread) {
    }

    public ExecCatcher(Engine engine) {
        this.engine = engine;
        this.spare = ready();
    }

    private PtraceThread ready() {
        PtraceThread t = new PtraceThread(0);
        t.run(() -> {
            try {
                new Ptrace(engine.nat()).seize(Integer.MAX_VALUE); // no such pid: loads and links the calls
            } catch (SyscallException expected) {
                // ESRCH
            }
        });
        return t;
    }

    /**
     * Any thread. {@code heldExec}: the process waits in an execve the kernel holds for tfix (exec permission
     * events): seized before this returns, so that it stops at the exec; else it runs its loader already: the
     * seize is queued and this returns at once. Failures are left to the attach that follows, which says why.
     */
    public synchronized Seized seize(int pid, boolean heldExec) {
        PtraceThread t = spare;
        Future<?> done = t.submit(() -> {
            Ptrace p = new Ptrace(engine.nat());
            try {
                if (heldExec) {
                    p.seizeThroughExec(pid);
                } else {
                    p.seize(pid);
                    p.interrupt(pid);
                }
            } catch (SyscallException e) {
                // the attach seizes again and names the cause
            }
        });
        if (heldExec) {
            try {
                done.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException e) {
                // as above
            }
        }
        spare = ready();
        return new Seized(pid, t);
    }

    @Override
    public synchronized void close() {
        spare.close();
    }
}
