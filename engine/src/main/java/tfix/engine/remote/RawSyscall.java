package tfix.engine.remote;

import java.time.Duration;
import java.util.function.BooleanSupplier;

import tfix.engine.failure.Limit;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.process.ProcMemory;
import tfix.engine.ptrace.Registers;
import tfix.engine.ptrace.Tracee;
import tfix.engine.sys.Mman;
import tfix.engine.sys.Syscalls;
import tfix.engine.x86.CodeWriter;
import tfix.engine.x86.JumpKind;

/**
 * A system call made by a stopped thread without touching its stack (before there is a
 * call area to run in). The thread's registers point at a block in the stub's spare bytes:
 * the system call, then a movabs of every register the thread must carry on with, then a
 * jump to where it was. tfix catches the call's exit and goes on from there; if tfix dies
 * first, the block finishes on its own and the thread carries on as before (the flags and
 * the vector state a system call keeps).
 */
final class RawSyscall {
    static final int BLOCK = 192;
    private static final int[] ARG_REGS = {Registers.RDI, Registers.RSI, Registers.RDX, Registers.R10, Registers.R8,
            Registers.R9};
    private final Tracee tracee;
    private final ProcMemory memory;
    private final Duration timeout;
    private final BooleanSupplier cancelled;

    RawSyscall(Tracee tracee, ProcMemory memory, Duration timeout, BooleanSupplier cancelled) {
        this.tracee = tracee;
        this.memory = memory;
        this.timeout = timeout;
        this.cancelled = cancelled;
    }

    /** The block at {@code at} for a thread that must carry on with {@code resume}. */
    static byte[] code(long at, Registers resume) {
        CodeWriter w = new CodeWriter(at).syscall();
        for (int reg : Registers.GENERAL) {
            w.movImm64(CallStub.WRITER_REG.get(reg), resume.get(reg));
        }
        byte[] code = w.jump(JumpKind.ABS64, resume.rip()).padWithInt3(BLOCK).bytes();
        if (code.length > BLOCK) {
            throw new IllegalStateException("the raw system call block outgrew its " + BLOCK + " bytes");
        }
        return code;
    }

    /** Writes the block: from now on the thread may be sent into it. */
    void prepare(long block, Registers resume) {
        memory.write(block, code(block, resume));
    }

    /**
     * Makes the stopped thread call {@code nr(args)} through the prepared block and returns
     * its result; the thread is left stopped at the call's exit. {@code regs}: its registers.
     */
    long run(long block, int tid, Registers regs, long nr, long... args) {
        Registers r = regs.with(Registers.RIP, block).with(Registers.RAX, nr).with(Registers.ORIG_RAX, -1);
        for (int i = 0; i < args.length; i++) {
            r = r.with(ARG_REGS[i], args[i]);
        }
        tracee.setRegisters(tid, r);
        int[] stops = {0};
        // A system call stops its thread twice under PTRACE_SYSCALL, at entry and at exit: the second is the result.
        Registers exit = tracee.runToSyscall(tid, x -> x.rip() == block + 2 && x.origRax() == nr && ++stops[0] == 2,
                timeout, cancelled);
        if (exit == null) {
            throw new TfixException(cancelled.getAsBoolean() ? Reason.CANCELLED : Reason.TIMEOUT,
                    cancelled.getAsBoolean() ? null : Limit.CALL_TIMEOUT, "system call " + nr
                    + " in thread " + tid + " did not return within " + timeout.toSeconds() + " s; when it does, the"
                    + " thread carries on where it was");
        }
        return exit.rax();
    }

    /**
     * Maps the call area on the stopped thread (which has no area to run a call in yet): the
     * area, then its guard page. The thread is left at the last call's exit; if tfix dies
     * meanwhile the block sends it back to {@code resume}.
     */
    void mapArea(CallArea area, long block, int tid, Registers regs, Registers resume) {
        prepare(block, resume);
        long base = run(block, tid, regs, Syscalls.MMAP, 0, CallArea.SIZE, Mman.PROT_READ | Mman.PROT_WRITE,
                Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | Mman.MAP_NORESERVE, -1, 0);
        if (base < 0 && base > -4096) {
            throw new TfixException(Reason.TARGET_REFUSED, "the target could not map memory for tfix's calls (mmap: errno "
                    + -base + "); nothing was changed");
        }
        area.mappedAt(base);
        run(block, tid, regs, Syscalls.MPROTECT, base, CallArea.GUARD, 0); // PROT_NONE: an overflow faults
    }

    /** Unmaps the call area on the stopped thread, which then carries on with {@code resume}. */
    void unmapArea(CallArea area, long block, int tid, Registers regs, Registers resume) {
        prepare(block, resume);
        run(block, tid, regs, Syscalls.MUNMAP, area.base(), CallArea.SIZE);
        area.unmapped();
    }
}
