package tfix.engine.remote;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.process.Maps;
import tfix.engine.process.MemoryMap;
import tfix.engine.process.ProcMemory;
import tfix.engine.process.ProcStatus;
import tfix.engine.ptrace.Registers;
import tfix.engine.ptrace.SyscallRestart;
import tfix.engine.ptrace.Tracee;
import tfix.engine.sys.Errno;
import tfix.engine.sys.Syscalls;

/**
 * Lays out one remote call on the borrowed thread's stack, top down: red zone | buffers |
 * xsave area | ... | the stub's frame ({@link CallStub#FRAME_DISTANCE} below the stack
 * pointer) | the stub's own stack. Checks the stack has room before writing anything.
 */
final class CallFrame {
    private static final long RED_ZONE = 128;
    /** Stack a callee such as dlopen may use below the call frame. */
    private static final long STACK_HEADROOM = 64 * 1024;

    private final Tracee tracee;
    private final ProcMemory memory;
    private final CallStub stub;
    private int xsaveSize;
    private Maps maps;

    CallFrame(Tracee tracee, ProcMemory memory, CallStub stub) {
        this.tracee = tracee;
        this.memory = memory;
        this.stub = stub;
    }

    /** Where the frame of a call on a thread with these registers goes. */
    static long frameAddress(Registers regs) {
        return regs.rsp() - CallStub.FRAME_DISTANCE;
    }

    /** The stack pointer the stub starts with: below the frame, aligned. */
    static long stubStackPointer(Registers regs) {
        return (frameAddress(regs) - 64) & ~15L;
    }

    /** A call laid out: the registers the thread carries on with afterwards, and each argument's value (a buffer's address). */
    record Placed(Registers resume, long[] arguments) {
    }

    /**
     * Writes the call's frame and arguments on the stopped thread's stack. Throws
     * {@link RemoteCaller.Unsuitable} when this thread's stack cannot take the call.
     */
    Placed write(int tid, Registers regs, String what, long function, RemoteCaller.Arg... args) {
        if (xsaveSize == 0) {
            xsaveSize = tracee.xstateSize(tid);
        }
        Registers resume = resumeState(tid, regs);
        long frame = frameAddress(regs);
        long cursor = regs.rsp() - RED_ZONE;
        checkStackRoom(regs.rsp(), stubStackPointer(regs));
        long[] values = new long[args.length];
        for (int i = 0; i < args.length; i++) {
            if (args[i] instanceof RemoteCaller.Value v) {
                values[i] = v.value();
            } else if (args[i] instanceof RemoteCaller.Buffer b) {
                cursor = (cursor - b.bytes().length) & ~15L;
                values[i] = cursor;
                memory.write(cursor, b.bytes());
            }
        }
        long xsaveBase = (cursor - xsaveSize) & ~63L;
        if (xsaveBase < frame + CallStub.FRAME_SIZE) {
            throw new TfixException(Reason.BAD_INPUT, "the arguments of " + what + " do not fit in tfix's call frame");
        }
        memory.write(xsaveBase, new byte[xsaveSize]);
        memory.write(frame, stub.frame(function, values, xsaveBase, resume));
        return new Placed(resume, values);
    }

    /**
     * Makes the interrupted system call end with EINTR instead of being issued again: what
     * the kernel does when a handler ran and the call may not restart after one.
     */
    void endWithEintr(Registers original) {
        long frame = frameAddress(original);
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        memory.write(frame + CallStub.frameOffset(Registers.RIP), b.putLong(0, original.rip()).array().clone());
        memory.write(frame + CallStub.frameOffset(Registers.RAX), b.putLong(0, Errno.RAX_EINTR).array().clone());
    }

    /** The registers the thread must carry on with: an interrupted system call is issued again, as the kernel would. */
    private Registers resumeState(int tid, Registers regs) {
        Optional<Registers> again = SyscallRestart.reissue(regs,
                SyscallRestart.interrupted(regs.rax()) && ProcStatus.signalPending(tracee.pid(), tid));
        if (again.isEmpty()) {
            return regs;
        }
        byte[] insn = memory.read(regs.rip() - 2, 2);
        boolean int80 = (insn[0] & 0xff) == 0xcd && (insn[1] & 0xff) == 0x80;
        boolean syscallInsn = (insn[0] == 0x0f && (insn[1] == 0x05 || insn[1] == 0x34)) || int80;
        if (!syscallInsn) {
            throw new TfixException(Reason.UNSUPPORTED, "thread " + tid + " stopped in a system call tfix cannot"
                    + " restart; try again");
        }
        return int80 ? ia32(regs, again.get()) : again.get();
    }

    /**
     * int $0x80 is the 32-bit ABI, with its own numbers: its restart_syscall is 0 (x86-64's 219 is its
     * madvise), and the EINTR rule knows only x86-64 calls, so an EINTR is left to the program as the kernel
     * leaves it.
     */
    private static Registers ia32(Registers regs, Registers again) {
        if (regs.rax() == Errno.RAX_ERESTART_RESTARTBLOCK) {
            return again.with(Registers.RAX, Syscalls.IA32_RESTART_SYSCALL);
        }
        return SyscallRestart.interrupted(regs.rax()) ? regs : again;
    }

    private void checkStackRoom(long rsp, long stubRsp) {
        // Stacks rarely move: the maps read for an earlier call usually still say where this one is.
        Optional<MemoryMap> known = maps == null ? Optional.empty() : maps.find(rsp);
        if (known.isEmpty()) {
            maps = tracee.process().maps();
            known = maps.find(rsp);
        }
        MemoryMap stack = known.orElseThrow(() -> new RemoteCaller.Unsuitable(
                String.format("its stack pointer %#x is not in mapped memory", rsp)));
        if (stack.path().equals("[heap]") || stack.isFile()) {
            // A coroutine's stack inside the heap or a file: its real bounds are unknown.
            throw new RemoteCaller.Unsuitable("its stack is inside " + stack.path());
        }
        boolean growsDown = stack.path().equals("[stack]"); // the main stack grows on demand
        if (!growsDown && stubRsp - STACK_HEADROOM < stack.start()) {
            throw new RemoteCaller.Unsuitable("too little stack left (" + (stubRsp - stack.start()) + " bytes)");
        }
    }
}
