package tfix.engine.remote;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.BooleanSupplier;

import tfix.engine.failure.Limit;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.process.ProcMemory;
import tfix.engine.ptrace.Registers;
import tfix.engine.ptrace.Tracee;
import tfix.engine.sys.Syscalls;
import tfix.engine.x86.CodeWriter;
import tfix.engine.x86.JumpKind;

/**
 * A memfd made, sized, mapped and closed by one stopped thread in one go: memfd_create, ftruncate, mmap, close
 * chained in the raw system call block, each taking the last one's result from a register, then the registers the
 * thread carries on with and a jump back to where it was (as {@link RawSyscall}'s block). One borrowed thread and
 * one wait instead of four remote calls. A step that fails makes the later ones fail harmlessly (a negative fd);
 * if tfix dies meanwhile, the block finishes on its own: the descriptor is closed, and a mapping made is a record
 * without its magic, which the next write unmaps as stale.
 */
final class MemfdMapping {
    /** Registers the chain uses, and so restores: the system call's (rax, rcx, r11), arguments, and r12. */
    private static final int[] CLOBBERED = {Registers.RAX, Registers.RCX, Registers.R11, Registers.RDI, Registers.RSI,
            Registers.RDX, Registers.R10, Registers.R8, Registers.R9, Registers.R12};

    private final Tracee tracee;
    private final ProcMemory memory;
    private final Duration timeout;
    private final BooleanSupplier cancelled;

    MemfdMapping(Tracee tracee, ProcMemory memory, Duration timeout, BooleanSupplier cancelled) {
        this.tracee = tracee;
        this.memory = memory;
        this.timeout = timeout;
        this.cancelled = cancelled;
    }

    /** The chain at {@code at}; returns the code and, in {@code closeEnd[0]}, the address just after close's syscall. */
    static byte[] code(long at, Registers resume, long length, int prot, int flags, long[] closeEnd) {
        CodeWriter w = new CodeWriter(at)
                .syscall() // memfd_create(rdi = name, rsi = flags): set by tfix
                .movRegReg(CodeWriter.R8, CodeWriter.RAX) // the fd, mmap's fifth argument
                .movRegReg(CodeWriter.RDI, CodeWriter.RAX)
                .movImm64(CodeWriter.RSI, length)
                .movImm32(CodeWriter.RAX, Syscalls.FTRUNCATE)
                .syscall()
                .movRegReg(CodeWriter.R12, CodeWriter.RAX)
                .movImm32(CodeWriter.RDI, 0) // rsi still holds the length: a system call keeps it
                .movImm32(CodeWriter.RDX, prot)
                .movImm32(CodeWriter.R10, flags)
                .movImm32(CodeWriter.R9, 0)
                .movImm32(CodeWriter.RAX, Syscalls.MMAP)
                .syscall()
                .movRegReg(CodeWriter.R9, CodeWriter.RAX)
                .movRegReg(CodeWriter.RDI, CodeWriter.R8)
                .movImm32(CodeWriter.RAX, Syscalls.CLOSE)
                .syscall();
        closeEnd[0] = w.pc();
        for (int reg : CLOBBERED) {
            w.movImm64(CallStub.WRITER_REG.get(reg), resume.get(reg));
        }
        byte[] code = w.jump(JumpKind.ABS64, resume.rip()).padWithInt3(RawSyscall.BLOCK).bytes();
        if (code.length > RawSyscall.BLOCK) {
            throw new IllegalStateException("the memfd chain outgrew the raw block's " + RawSyscall.BLOCK + " bytes");
        }
        return code;
    }

    /**
     * Runs the chain on the stopped thread {@code tid} ({@code regs}: its registers; {@code resume}: what it carries
     * on with), the name written at {@code scratch} (memory of tfix's call area). The thread is left stopped at close's
     * exit, from where it goes back to {@code resume} when let go.
     */
    MappedMemfd run(long block, long scratch, int tid, Registers regs, Registers resume, String name, int memfdFlags, long length,
             int prot, int flags) {
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        memory.write(scratch, Arrays.copyOf(b, b.length + 1));
        long[] closeEnd = new long[1];
        memory.write(block, code(block, resume, length, prot, flags, closeEnd));
        tracee.setRegisters(tid, regs.with(Registers.RIP, block).with(Registers.RAX, Syscalls.MEMFD_CREATE)
                .with(Registers.ORIG_RAX, -1).with(Registers.RDI, scratch).with(Registers.RSI, memfdFlags));
        int[] stops = {0};
        // Every system call of the chain stops the thread at its entry and exit: the last one's exit has every result.
        Registers end = tracee.runToSyscall(tid, x -> x.rip() == closeEnd[0] && x.origRax() == Syscalls.CLOSE && ++stops[0] == 2,
                timeout, cancelled);
        if (end == null) {
            throw new TfixException(cancelled.getAsBoolean() ? Reason.CANCELLED : Reason.TIMEOUT,
                    cancelled.getAsBoolean() ? null : Limit.CALL_TIMEOUT, "making the memfd " + name + " in thread " + tid
                    + " did not end within " + timeout.toSeconds() + " s; when it does, the thread carries on where it was");
        }
        return new MappedMemfd(end.get(Registers.R8), end.get(Registers.R12), end.get(Registers.R9), end.rax());
    }
}
