package tfix.engine.remote;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.process.ProcMemory;
import tfix.engine.process.ProcStatus;
import tfix.engine.ptrace.Registers;
import tfix.engine.ptrace.SyscallRestart;
import tfix.engine.ptrace.Tracee;
import tfix.engine.sys.Errno;
import tfix.engine.sys.Syscalls;

/**
 * Lays out one remote call in the {@link CallArea}: the stub's frame at the bottom of the
 * area's data, the xsave area above it, the arguments above that; the stub's stack below.
 * Nothing is written on the borrowed thread's own stack.
 */
final class CallFrame {
    private final Tracee tracee;
    private final ProcMemory memory;
    private final CallStub stub;
    private final CallArea area;
    private int xsaveSize;

    CallFrame(Tracee tracee, ProcMemory memory, CallStub stub, CallArea area) {
        this.tracee = tracee;
        this.memory = memory;
        this.stub = stub;
        this.area = area;
    }

    /** A call laid out: the registers the thread carries on with afterwards, and each argument's value (a buffer's address). */
    record Placed(Registers resume, long[] arguments) {
    }

    /** Writes the call's frame and arguments in the call area, which must be mapped; {@code signal}: its end's. */
    Placed write(int tid, Registers resume, String what, long function, int signal, RemoteCaller.Arg... args) {
        if (xsaveSize == 0) {
            xsaveSize = tracee.xstateSize(tid);
        }
        long frame = area.frame();
        long xsaveBase = (frame + CallStub.FRAME_SIZE + 63) & ~63L;
        long cursor = xsaveBase + xsaveSize;
        long[] values = new long[args.length];
        for (int i = 0; i < args.length; i++) {
            if (args[i] instanceof RemoteCaller.Value v) {
                values[i] = v.value();
            } else if (args[i] instanceof RemoteCaller.Buffer b) {
                cursor = (cursor + 15) & ~15L;
                if (cursor + b.bytes().length > area.end()) {
                    throw new TfixException(Reason.BAD_INPUT, "the arguments of " + what + " do not fit in tfix's call area");
                }
                values[i] = cursor;
                memory.write(cursor, b.bytes());
                cursor += b.bytes().length;
            }
        }
        memory.write(xsaveBase, new byte[xsaveSize]);
        memory.write(frame, stub.frame(frame, function, values, xsaveBase, resume, signal));
        return new Placed(resume, values);
    }

    /**
     * Makes the interrupted system call end with EINTR instead of being issued again: what
     * the kernel does when a handler ran and the call may not restart after one.
     */
    void endWithEintr(Registers original) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        memory.write(area.frame() + CallStub.frameOffset(Registers.RIP), b.putLong(0, original.rip()).array().clone());
        memory.write(area.frame() + CallStub.frameOffset(Registers.RAX), b.putLong(0, Errno.RAX_EINTR).array().clone());
    }

    /** The registers the thread must carry on with: an interrupted system call is issued again, as the kernel would. */
    Registers resumeState(int tid, Registers regs) {
        if (regs.origRax() < 0) {
            return RseqAbort.resumeAt(tracee, memory, tid, regs);
        }
        Optional<Registers> again = SyscallRestart.reissue(regs,
                SyscallRestart.interrupted(regs.rax()) && ProcStatus.signalPending(tracee.pid(), tid));
        if (again.isEmpty()) {
            return regs;
        }
        byte[] insn = memory.read(regs.rip() - 2, 2);
        boolean syscallInsn = insn[0] == 0x0f && (insn[1] == 0x05 || insn[1] == 0x34);
        boolean int80 = (insn[0] & 0xff) == 0xcd && (insn[1] & 0xff) == 0x80;
        if (!syscallInsn && !int80) {
            throw new TfixException(Reason.UNSUPPORTED, "thread " + tid + " stopped in a system call tfix cannot"
                    + " restart; try again");
        }
        return int80 ? ia32(regs, again.get()) : again.get();
    }

    /**
     * A 32-bit call (int 0x80) restarts with the 32-bit numbers: restart_syscall is 0 there.
     * Its EINTR is left to the program: tfix's rule for EINTR knows the 64-bit calls only.
     */
    private static Registers ia32(Registers regs, Registers again) {
        if (regs.rax() == Errno.RAX_ERESTART_RESTARTBLOCK) {
            return again.with(Registers.RAX, Syscalls.IA32_RESTART_SYSCALL);
        }
        return SyscallRestart.interrupted(regs.rax()) ? regs : again;
    }
}
