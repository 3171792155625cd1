package tfix.engine.x86;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Writes x86-64 code meant to run at a known address, so it picks a jump's form itself:
 * short (2 bytes) or near (5 bytes) when the target is within reach, else the absolute
 * {@code jmp [rip+0]} with the address inline (14 bytes, changes no register). Also the
 * few instructions tfix's call stub needs; their memory operands are [rbx + disp32] or
 * [rcx], so that code never depends on where it runs.
 */
public final class CodeWriter {
    /** Register numbers as in the ModRM encoding. */
    public static final int RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7,
            R8 = 8, R9 = 9, R10 = 10, R11 = 11, R12 = 12, R13 = 13, R14 = 14, R15 = 15;
    private static final int INT3 = 0xcc;
    private static final byte[] ENDBR64 = {(byte) 0xf3, 0x0f, 0x1e, (byte) 0xfa};

    private final long origin;
    private final ByteArrayOutputStream code = new ByteArrayOutputStream();

    /** {@code origin}: the address the first byte will have in the target. */
    public CodeWriter(long origin) {
        this.origin = origin;
    }

    /** The one reach rule: whether a jump of {@code kind} at {@code from} can reach {@code to}. */
    public static boolean reaches(JumpKind kind, long from, long to) {
        long disp = to - (from + kind.length);
        return switch (kind) {
            case SHORT -> disp == (byte) disp;
            case REL32 -> disp == (int) disp;
            case ABS64 -> true;
        };
    }

    /** The jump a patch site gets: near when the target is within ±2 GiB, else absolute. */
    public static JumpKind siteJump(long site, long target) {
        return reaches(JumpKind.REL32, site, target) ? JumpKind.REL32 : JumpKind.ABS64;
    }

    /** The jump from {@code site} to {@code target}, padded with int3 to {@code length} bytes. */
    public static byte[] jumpAt(long site, JumpKind kind, long target, int length) {
        return new CodeWriter(site).jump(kind, target).padWithInt3(length).bytes();
    }

    /** Code bytes as plans and messages print them: "e9 12 34 56 78". */
    public static String hex(byte[] bytes) {
        return HexFormat.ofDelimiter(" ").formatHex(bytes);
    }

    /** Whether the bytes start with endbr64, which stays in place at a patched entry. */
    public static boolean startsWithEndbr64(byte[] bytes) {
        return bytes.length >= ENDBR64.length && Arrays.equals(bytes, 0, ENDBR64.length, ENDBR64, 0, ENDBR64.length);
    }

    public static int endbr64Length() {
        return ENDBR64.length;
    }

    public static byte[] endbr64() {
        return ENDBR64.clone();
    }

    public int offset() {
        return code.size();
    }

    /** The address of the next byte written. */
    public long pc() {
        return origin + code.size();
    }

    public byte[] bytes() {
        return code.toByteArray();
    }

    private CodeWriter emit(int... bytes) {
        for (int b : bytes) {
            code.write(b);
        }
        return this;
    }

    private CodeWriter le(long v, int n) {
        for (int i = 0; i < n; i++) {
            code.write((int) (v >>> (8 * i)) & 0xff);
        }
        return this;
    }

    /** The shortest jump from here that reaches {@code target}. */
    public CodeWriter jump(long target) {
        JumpKind kind = reaches(JumpKind.SHORT, pc(), target) ? JumpKind.SHORT
                : reaches(JumpKind.REL32, pc(), target) ? JumpKind.REL32 : JumpKind.ABS64;
        return jump(kind, target);
    }

    /** A jump of the given form; fails when that form cannot reach. */
    public CodeWriter jump(JumpKind kind, long target) {
        if (!reaches(kind, pc(), target)) {
            throw new IllegalArgumentException(String.format("a %s at %#x cannot reach %#x", kind.label(), pc(), target));
        }
        long disp = target - (pc() + kind.length);
        return switch (kind) {
            case SHORT -> emit(0xeb).le(disp, 1);
            case REL32 -> emit(0xe9).le(disp, 4);
            case ABS64 -> emit(0xff, 0x25).le(0, 4).le(target, 8);
        };
    }

    /** int3 up to {@code length} bytes in all: leftovers of replaced instructions trap if ever reached. */
    public CodeWriter padWithInt3(int length) {
        while (code.size() < length) {
            code.write(INT3);
        }
        return this;
    }

    /** int3 up to the next multiple of {@code alignment}. */
    public CodeWriter alignWithInt3(int alignment) {
        return padWithInt3((code.size() + alignment - 1) / alignment * alignment);
    }

    private CodeWriter disp32(int d) {
        return le(d, 4);
    }

    /** ModRM for [rbx + disp32] with the given reg field. */
    private static int rbxDisp32(int regField) {
        return 0x80 | ((regField & 7) << 3) | RBX;
    }

    /** mov r32, imm32 (zero-extends into the 64-bit register). */
    public CodeWriter movImm32(int reg, int imm) {
        if (reg >= 8) {
            emit(0x41); // REX.B: r8d..r15d
        }
        return emit(0xb8 + (reg & 7)).disp32(imm);
    }

    /** mov dst64, src64 */
    public CodeWriter movRegReg(int dst, int src) {
        return emit(0x48 | (src >= 8 ? 0x04 : 0) | (dst >= 8 ? 0x01 : 0), 0x89, 0xc0 | ((src & 7) << 3) | (dst & 7));
    }

    /** mov reg64, [rbx + disp] */
    public CodeWriter loadRbx(int reg, int disp) {
        return emit(0x48 | (reg >= 8 ? 0x04 : 0), 0x8b, rbxDisp32(reg)).disp32(disp);
    }

    /** lea rsp, [rbx + disp] (leaves the flags alone) */
    public CodeWriter leaRspRbx(int disp) {
        return emit(0x48, 0x8d, rbxDisp32(RSP)).disp32(disp);
    }

    /** call qword [rbx + disp] */
    public CodeWriter callRbx(int disp) {
        return emit(0xff, rbxDisp32(2)).disp32(disp);
    }

    public CodeWriter xorEaxEax() {
        return emit(0x31, 0xc0);
    }

    public CodeWriter movRdiRax() {
        return emit(0x48, 0x89, 0xc7);
    }

    public CodeWriter syscall() {
        return emit(0x0f, 0x05);
    }

    /** xsave64 [rcx], mask in edx:eax. */
    public CodeWriter xsaveRcx() {
        return emit(0x48, 0x0f, 0xae, 0x21);
    }

    /** xrstor64 [rcx], mask in edx:eax. */
    public CodeWriter xrstorRcx() {
        return emit(0x48, 0x0f, 0xae, 0x29);
    }

    /** iretq: pops rip, cs, rflags, rsp and ss; in user mode it returns to user mode, all five restored at once. */
    public CodeWriter iretq() {
        return emit(0x48, 0xcf);
    }

    /** mov reg64, imm64 (movabs): any value into any register, flags untouched. */
    public CodeWriter movImm64(int reg, long imm) {
        return emit(0x48 | (reg >= 8 ? 0x01 : 0), 0xb8 + (reg & 7)).le(imm, 8);
    }
    /** Bytes copied as they are (an instruction that does not depend on where it runs). */
    public CodeWriter raw(byte[] bytes) {
        code.writeBytes(bytes);
        return this;
    }

    /** An instruction of one opcode byte and a rel8 (loop, jrcxz); fails when {@code target} is out of its reach. */
    public CodeWriter rel8(int opcode, long target) {
        long disp = target - (pc() + 2);
        if (disp != (byte) disp) {
            throw new IllegalArgumentException(String.format("a rel8 at %#x cannot reach %#x", pc(), target));
        }
        return emit(opcode).le(disp, 1);
    }

    /** j<cc> rel32 (0f 80+cc), {@code cc} the condition's 4-bit code; fails when out of reach. */
    public CodeWriter jccNear(int cc, long target) {
        return rel32(target, 6, 0x0f, 0x80 | (cc & 0xf));
    }

    /** call rel32; fails when out of reach. */
    public CodeWriter callNear(long target) {
        return rel32(target, 5, 0xe8);
    }

    /** j<cc> anywhere: the opposite condition skips a 14-byte absolute jump (16 bytes, no register changed). */
    public CodeWriter jccAbsolute(int cc, long target) {
        emit(0x70 | ((cc ^ 1) & 0xf), JumpKind.ABS64.length);
        return jump(JumpKind.ABS64, target);
    }

    /** call anywhere: call [rip+2], a short jump over the address, the address (16 bytes, no register changed). */
    public CodeWriter callAbsolute(long target) {
        return emit(0xff, 0x15).le(2, 4).emit(0xeb, 8).le(target, 8);
    }

    /** Whether an instruction of {@code length} bytes ending in a rel32, at {@code from}, reaches {@code to}. */
    public static boolean reachesRel32(long from, int length, long to) {
        long disp = to - (from + length);
        return disp == (int) disp;
    }

    private CodeWriter rel32(long target, int length, int... opcode) {
        if (!reachesRel32(pc(), length, target)) {
            throw new IllegalArgumentException(String.format("a rel32 at %#x cannot reach %#x", pc(), target));
        }
        long disp = target - (pc() + length);
        return emit(opcode).le(disp, 4);
    }
}
