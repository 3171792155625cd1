package tfix.engine.remote;

import tfix.engine.process.ProcMemory;
import tfix.engine.ptrace.Registers;
import tfix.engine.ptrace.Tracee;

/**
 * A thread stopped inside a restartable sequence's critical section (rseq: per-CPU data
 * updated without locks) must not come back into it after running tfix's call: the kernel
 * sends a preempted thread to the section's abort handler, clearing its rseq_cs, and so does
 * tfix, so the section starts over as the program expects.
 */
final class RseqAbort {
    /** Offsets in struct rseq and struct rseq_cs (the kernel's ABI). */
    private static final int RSEQ_CS = 8, START_IP = 8, POST_COMMIT_OFFSET = 16, ABORT_IP = 24;

    private RseqAbort() {
    }

    /** The registers to carry on with: {@code regs}, or its section's abort handler. */
    static Registers resumeAt(Tracee tracee, ProcMemory memory, int tid, Registers regs) {
        long rseq = tracee.rseqArea(tid);
        if (rseq == 0) {
            return regs;
        }
        try {
            long cs = memory.readLong(rseq + RSEQ_CS);
            if (cs == 0) {
                return regs;
            }
            long start = memory.readLong(cs + START_IP);
            long length = memory.readLong(cs + POST_COMMIT_OFFSET);
            long rip = regs.rip();
            if (Long.compareUnsigned(rip - start, length) >= 0) {
                return regs; // outside the section: the kernel clears it on the way, nothing to abort
            }
            memory.write(rseq + RSEQ_CS, new byte[8]);
            return regs.with(Registers.RIP, memory.readLong(cs + ABORT_IP));
        } catch (RuntimeException e) {
            return regs; // unreadable: leave it to the kernel
        }
    }
}
