package tfix.engine.ptrace;

import tfix.engine.process.ProcMemory;
import tfix.engine.sys.Signals;

/**
 * The trap (int3) at a caught process's entry point, kept while tfix is attached: whenever the main thread
 * is let run (a remote call returns to the entry, an apply resumes every thread) it stops there again, rip put
 * back on the entry and the SIGTRAP dropped, until the detach takes the trap out with every thread stopped.
 * So no code of the program runs before the script is done. A tfix killed meanwhile (SIGKILL) leaves the trap:
 * the process then ends with SIGTRAP at its first instruction instead of running unpatched.
 */
final class EntryHold {
    private final int pid;
    private final long entry;
    private final byte old;
    private boolean reached;
    private boolean released;

    EntryHold(int pid, long entry, byte old) {
        this.pid = pid;
        this.entry = entry;
        this.old = old;
    }

    /** At a signal-delivery stop: whether it is the trap at the entry (then handled: the thread stays stopped). */
    boolean caught(Tracee tracee, TracedThread t, WaitStatus ws) {
        if (ws.stopSignal() != Signals.SIGTRAP) {
            return false;
        }
        Registers regs = tracee.ptrace().getRegisters(t.tid);
        if (regs.rip() != entry + 1) {
            return false;
        }
        tracee.ptrace().setRegisters(t.tid, regs.with(Registers.RIP, entry));
        t.registers = null;
        t.pendingSignal = 0;
        t.wantRunning = false;
        // At an instruction boundary and in no system call: as safe to borrow as an interrupt stop.
        t.interruptStop = true;
        reached = true;
        return true;
    }

    boolean reached() {
        return reached;
    }

    /** Puts the entry's byte back; a trap already taken is still caught (this stays registered). */
    void release() {
        if (released) {
            return;
        }
        released = true;
        try (ProcMemory mem = new ProcMemory(pid)) {
            mem.write(entry, new byte[] {old});
        } catch (RuntimeException e) {
            // the process is gone: its memory with it
        }
    }
}
