package tfix.engine.remote;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import tfix.engine.ptrace.Registers;

/**
 * A self-restoring call stub. A hijacked thread runs it to call one function; the
 * stub then puts back every register, the flags and the FPU/vector state itself and
 * jumps to where the thread was (re-issuing an interrupted system call). tfix only
 * reads the result at the marker system call, so if tfix dies at any instant the
 * thread still finishes the call and carries on as before.
 *
 * <pre>
 *   xsave64 [rbx]              ; rbx = 64-aligned save area on the thread's stack
 *   load rdi..r9 from slots; xor eax,eax
 *   call [func]
 *   mov rdi, rax
 *   mov eax, SYS_getpid
 *   syscall                    ; marker: tfix reads rdi here
 *   xrstor64 [rbx]
 *   push [rflags]; popfq
 *   load every general register from slots
 *   mov rsp, [rsp slot]; jmp [rip slot]
 * </pre>
 */
public final class CallStub {
    static final int SYS_GETPID = 39;
    private static final String[] ARG_SLOTS = {"arg0", "arg1", "arg2", "arg3", "arg4", "arg5"};
    private static final int[] ARG_REGS = {X86Writer.RDI, X86Writer.RSI, X86Writer.RDX, X86Writer.RCX, X86Writer.R8, X86Writer.R9};
    /** Registers.GENERAL in X86Writer numbering. */
    private static final Map<Integer, Integer> WRITER_REG = Map.ofEntries(
            Map.entry(Registers.RAX, X86Writer.RAX), Map.entry(Registers.RBX, X86Writer.RBX),
            Map.entry(Registers.RCX, X86Writer.RCX), Map.entry(Registers.RDX, X86Writer.RDX),
            Map.entry(Registers.RSI, X86Writer.RSI), Map.entry(Registers.RDI, X86Writer.RDI),
            Map.entry(Registers.RBP, X86Writer.RBP), Map.entry(Registers.R8, X86Writer.R8),
            Map.entry(Registers.R9, X86Writer.R9), Map.entry(Registers.R10, X86Writer.R10),
            Map.entry(Registers.R11, X86Writer.R11), Map.entry(Registers.R12, X86Writer.R12),
            Map.entry(Registers.R13, X86Writer.R13), Map.entry(Registers.R14, X86Writer.R14),
            Map.entry(Registers.R15, X86Writer.R15));

    private final byte[] template;
    private final Map<String, Integer> slotOffset = new HashMap<>();
    private final int markerOffset;

    public CallStub() {
        X86Writer w = new X86Writer();
        w.movImm32(X86Writer.RAX, -1).movImm32(X86Writer.RDX, -1).xsaveRbx();
        for (int i = 0; i < 6; i++) {
            w.load(ARG_REGS[i], ARG_SLOTS[i]);
        }
        w.xorEaxEax().callIndirect("func").movRdiRax().movImm32(X86Writer.RAX, SYS_GETPID);
        markerOffset = w.offset();
        w.syscall();
        w.movImm32(X86Writer.RAX, -1).movImm32(X86Writer.RDX, -1).xrstorRbx();
        w.pushIndirect("rflags").popfq();
        for (int reg : Registers.GENERAL) {
            w.load(WRITER_REG.get(reg), "r" + reg);
        }
        w.load(X86Writer.RSP, "rsp").jmpIndirect("rip");
        List<String> names = w.slots();
        int[] offsets = new int[names.size()];
        template = w.finish(offsets);
        for (int i = 0; i < names.size(); i++) {
            slotOffset.put(names.get(i), offsets[i]);
        }
    }

    public int size() {
        return template.length;
    }

    /** Offset of the marker syscall instruction; at its syscall-entry stop rip is two bytes past it. */
    public int markerOffset() {
        return markerOffset;
    }

    /**
     * The stub's bytes for one call. {@code resume} holds the registers the thread
     * must have when it carries on (already adjusted to re-issue an interrupted call).
     */
    public byte[] build(long function, long[] args, Registers resume) {
        if (args.length > 6) {
            throw new IllegalArgumentException("at most 6 integer arguments");
        }
        ByteBuffer b = ByteBuffer.wrap(template.clone()).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(slotOffset.get("func"), function);
        for (int i = 0; i < 6; i++) {
            b.putLong(slotOffset.get(ARG_SLOTS[i]), i < args.length ? args[i] : 0);
        }
        b.putLong(slotOffset.get("rflags"), resume.get(Registers.EFLAGS));
        b.putLong(slotOffset.get("rsp"), resume.rsp());
        b.putLong(slotOffset.get("rip"), resume.rip());
        for (int reg : Registers.GENERAL) {
            b.putLong(slotOffset.get("r" + reg), resume.get(reg));
        }
        return b.array();
    }
}
