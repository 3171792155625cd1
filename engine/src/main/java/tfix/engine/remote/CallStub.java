package tfix.engine.remote;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Map;

import tfix.engine.process.ProcMemory;
import tfix.engine.ptrace.Registers;
import tfix.engine.sys.Syscalls;
import tfix.engine.x86.CodeWriter;

/**
 * A self-restoring call stub. A borrowed thread runs it to call one function; the
 * stub then puts back every register, the flags and the vector state itself and
 * returns to where the thread was (re-issuing an interrupted system call). tfix only
 * reads the result at the marker system call, so if tfix dies at any instant the
 * thread still finishes the call and carries on as before.
 *
 * The code never changes; each call's data (saved registers, function, arguments) is
 * a frame in a call area tfix maps in the target (see {@link CallArea}), pointed to by
 * rbx; the callee runs on that area's stack, so nothing is written on the thread's own
 * stack. The last instruction, iretq, restores rip, the flags and rsp together from the
 * frame, so the frame may lie anywhere.
 *
 * <pre>
 *   mov rcx,[rbx+xsave]; xsave64 [rcx]     (mask edx:eax = all)
 *   load rdi,rsi,rdx,rcx,r8,r9 from the frame; xor eax,eax
 *   call [rbx+func]
 *   mov r12,rax; mov eax,SYS_getpid; syscall   &lt;- marker: under PTRACE_SYSCALL tfix reads r12 at its entry
 *   mov r13,rax                                 (the thread group's id, as the target sees it)
 *   rt_sigprocmask(SIG_UNBLOCK, [rbx+setp], [rbx+oldp], 8)
 *   gettid; tgkill(r13, tid, [rbx+sig])         &lt;- signal end: under PTRACE_CONT tfix reads r12 at its stop
 *   rt_sigprocmask(SIG_SETMASK, [rbx+oldp], 0, 8)
 *   mov rcx,[rbx+xsave]; xrstor64 [rcx]
 *   load every general register but rbx and rsp
 *   lea rsp,[rbx+iret]; mov rbx,[rbx+rbx]; iretq   &lt;- rip, cs, rflags, rsp, ss from the frame
 * </pre>
 *
 * The signal end (see {@link SignalEnd}) lets the call run under PTRACE_CONT, with no stop at each of the
 * callee's system calls: the signal is one the program ignores (no handler, default-ignored), so the thread
 * stops for it only because it is traced, tfix drops it there, and a thread whose tfix died meanwhile is no
 * longer traced, so the kernel discards it at tgkill. It is unblocked around the tgkill (a callee may have
 * blocked it) and the thread's mask put back after. Signal 0 (no signal suits) makes tgkill and the mask
 * calls no-ops: tfix then waits at the marker under PTRACE_SYSCALL, as before.
 */
public final class CallStub {
    static final int SYS_GETPID = Syscalls.GETPID, SYS_TGKILL = 234, SYS_RT_SIGPROCMASK = 14, SIG_UNBLOCK = 1,
            SIG_SETMASK = 2;
    /** Frame slots, in 8-byte units: the iret frame first (rip, cs, rflags, rsp, ss), then the rest. */
    static final int IRET = 0, RIP = 0, CS = 1, RFLAGS = 2, RSP = 3, SS = 4, RBX = 5, FUNC = 6, XSAVE = 7, ARG0 = 8,
            GPR0 = 14;
    /** After the registers: the end's signal (0: none), pointers to the mask to unblock and to the thread's own, both masks. */
    static final int SIG = GPR0 + Registers.GENERAL.length, SET_PTR = SIG + 1, OLD_PTR = SIG + 2, SET = SIG + 3,
            OLD = SIG + 4;
    public static final int FRAME_SIZE = (OLD + 1) * 8;
    private static final int[] ARG_REGS = {CodeWriter.RDI, CodeWriter.RSI, CodeWriter.RDX, CodeWriter.RCX, CodeWriter.R8, CodeWriter.R9};
    static final Map<Integer, Integer> WRITER_REG = Map.ofEntries(
            Map.entry(Registers.RAX, CodeWriter.RAX), Map.entry(Registers.RBX, CodeWriter.RBX),
            Map.entry(Registers.RCX, CodeWriter.RCX), Map.entry(Registers.RDX, CodeWriter.RDX),
            Map.entry(Registers.RSI, CodeWriter.RSI), Map.entry(Registers.RDI, CodeWriter.RDI),
            Map.entry(Registers.RBP, CodeWriter.RBP), Map.entry(Registers.R8, CodeWriter.R8),
            Map.entry(Registers.R9, CodeWriter.R9), Map.entry(Registers.R10, CodeWriter.R10),
            Map.entry(Registers.R11, CodeWriter.R11), Map.entry(Registers.R12, CodeWriter.R12),
            Map.entry(Registers.R13, CodeWriter.R13), Map.entry(Registers.R14, CodeWriter.R14),
            Map.entry(Registers.R15, CodeWriter.R15));

    private final byte[] code;
    private final int markerOffset;
    private final int signalEndOffset;

    public CallStub() {
        CodeWriter w = new CodeWriter(0); // position-independent: the origin is irrelevant
        w.loadRbx(CodeWriter.RCX, XSAVE * 8).movImm32(CodeWriter.RAX, -1).movImm32(CodeWriter.RDX, -1).xsaveRcx();
        for (int i = 0; i < 6; i++) {
            w.loadRbx(ARG_REGS[i], (ARG0 + i) * 8);
        }
        w.xorEaxEax().callRbx(FUNC * 8).movRegReg(CodeWriter.R12, CodeWriter.RAX).movImm32(CodeWriter.RAX, SYS_GETPID);
        markerOffset = w.offset();
        w.syscall().movRegReg(CodeWriter.R13, CodeWriter.RAX);
        w.movImm32(CodeWriter.RDI, SIG_UNBLOCK).loadRbx(CodeWriter.RSI, SET_PTR * 8).loadRbx(CodeWriter.RDX, OLD_PTR * 8)
                .movImm32(CodeWriter.R10, 8).movImm32(CodeWriter.RAX, SYS_RT_SIGPROCMASK).syscall();
        w.movImm32(CodeWriter.RAX, Syscalls.GETTID).syscall().movRegReg(CodeWriter.RSI, CodeWriter.RAX)
                .movRegReg(CodeWriter.RDI, CodeWriter.R13).loadRbx(CodeWriter.RDX, SIG * 8)
                .movImm32(CodeWriter.RAX, SYS_TGKILL).syscall();
        signalEndOffset = w.offset();
        w.movImm32(CodeWriter.RDI, SIG_SETMASK).loadRbx(CodeWriter.RSI, OLD_PTR * 8).movImm32(CodeWriter.RDX, 0)
                .movImm32(CodeWriter.R10, 8).movImm32(CodeWriter.RAX, SYS_RT_SIGPROCMASK).syscall();
        w.loadRbx(CodeWriter.RCX, XSAVE * 8).movImm32(CodeWriter.RAX, -1).movImm32(CodeWriter.RDX, -1).xrstorRcx();
        for (int i = 0; i < Registers.GENERAL.length; i++) {
            int reg = Registers.GENERAL[i];
            if (reg != Registers.RBX) {
                w.loadRbx(WRITER_REG.get(reg), (GPR0 + i) * 8);
            }
        }
        w.leaRspRbx(IRET * 8).loadRbx(CodeWriter.RBX, RBX * 8).iretq();
        code = w.alignWithInt3(16).bytes();
    }

    /** Where in the frame the stub keeps the value it restores into {@code register} (a Registers index). */
    public static int frameOffset(int register) {
        if (register == Registers.RIP) {
            return RIP * 8;
        }
        if (register == Registers.RSP) {
            return RSP * 8;
        }
        for (int i = 0; i < Registers.GENERAL.length; i++) {
            if (Registers.GENERAL[i] == register) {
                return register == Registers.RBX ? RBX * 8 : (GPR0 + i) * 8;
            }
        }
        throw new IllegalArgumentException("the frame does not hold register " + register);
    }

    public byte[] code() {
        return code.clone();
    }

    public int size() {
        return code.length;
    }

    /** Offset of the marker syscall instruction; at its syscall-entry stop rip is two bytes past it (the syscall path). */
    public int markerOffset() {
        return markerOffset;
    }

    /** Where a thread stops for the end's signal: just past the tgkill. */
    public int signalEndOffset() {
        return signalEndOffset;
    }

    /**
     * The frame for one call, to be written at {@code at}; {@code resume} holds the registers the thread must carry
     * on with; {@code signal}: the end's signal, 0 for none.
     */
    public byte[] frame(long at, long function, long[] args, long xsaveArea, Registers resume, int signal) {
        if (args.length > 6) {
            throw new IllegalArgumentException("at most 6 integer arguments");
        }
        ByteBuffer b = ByteBuffer.allocate(FRAME_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(RIP * 8, resume.rip());
        b.putLong(CS * 8, resume.get(Registers.CS));
        b.putLong(RFLAGS * 8, resume.get(Registers.EFLAGS));
        b.putLong(RSP * 8, resume.rsp());
        b.putLong(SS * 8, resume.get(Registers.SS));
        b.putLong(RBX * 8, resume.get(Registers.RBX));
        b.putLong(FUNC * 8, function);
        b.putLong(XSAVE * 8, xsaveArea);
        for (int i = 0; i < 6; i++) {
            b.putLong((ARG0 + i) * 8, i < args.length ? args[i] : 0);
        }
        for (int i = 0; i < Registers.GENERAL.length; i++) {
            b.putLong((GPR0 + i) * 8, resume.get(Registers.GENERAL[i]));
        }
        b.putLong(SIG * 8, signal);
        b.putLong(SET_PTR * 8, at + SET * 8);
        b.putLong(OLD_PTR * 8, at + OLD * 8);
        b.putLong(SET * 8, signal == 0 ? 0 : 1L << (signal - 1));
        return b.array();
    }

    /**
     * Writes the stub's code at {@code address} if the spare bytes do not hold it yet. The code never
     * changes, so writing it while an orphaned call (of a killed tfix run) runs it is harmless.
     * It stays after tfix detaches: a thread of a killed tfix run may still be inside a call
     * that returns to it, and nothing else refers to those bytes.
     */
    void installAt(ProcMemory memory, long address) {
        byte[] code = code();
        if (!Arrays.equals(memory.read(address, code.length), code)) {
            memory.write(address, code);
        }
    }
}
