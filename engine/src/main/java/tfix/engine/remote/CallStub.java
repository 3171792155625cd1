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
 *   mov rdi,rax; mov eax,SYS_getpid; syscall   &lt;- marker: tfix reads rdi here
 *   mov rcx,[rbx+xsave]; xrstor64 [rcx]
 *   load every general register but rbx and rsp
 *   lea rsp,[rbx+iret]; mov rbx,[rbx+rbx]; iretq   &lt;- rip, cs, rflags, rsp, ss from the frame
 * </pre>
 */
public final class CallStub {
    static final int SYS_GETPID = Syscalls.GETPID;
    /** Frame slots, in 8-byte units: the iret frame first (rip, cs, rflags, rsp, ss), then the rest. */
    static final int IRET = 0, RIP = 0, CS = 1, RFLAGS = 2, RSP = 3, SS = 4, RBX = 5, FUNC = 6, XSAVE = 7, ARG0 = 8,
            GPR0 = 14;
    public static final int FRAME_SIZE = (GPR0 + Registers.GENERAL.length) * 8;
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

    public CallStub() {
        CodeWriter w = new CodeWriter(0); // position-independent: the origin is irrelevant
        w.loadRbx(CodeWriter.RCX, XSAVE * 8).movImm32(CodeWriter.RAX, -1).movImm32(CodeWriter.RDX, -1).xsaveRcx();
        for (int i = 0; i < 6; i++) {
            w.loadRbx(ARG_REGS[i], (ARG0 + i) * 8);
        }
        w.xorEaxEax().callRbx(FUNC * 8).movRdiRax().movImm32(CodeWriter.RAX, SYS_GETPID);
        markerOffset = w.offset();
        w.syscall();
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

    /** Offset of the marker syscall instruction; at its syscall-entry stop rip is two bytes past it. */
    public int markerOffset() {
        return markerOffset;
    }

    /** The frame for one call; {@code resume} holds the registers the thread must carry on with. */
    public byte[] frame(long function, long[] args, long xsaveArea, Registers resume) {
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
