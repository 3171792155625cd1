package tfix.engine.remote;

import java.io.ByteArrayOutputStream;

/**
 * Emits the few x86-64 instructions tfix's call stub needs. Memory operands are
 * [rbx + disp32] or [rcx + 0]: the stub's data lives on the borrowed thread's own
 * stack, so the code itself never changes from one call to the next.
 */
final class X86Writer {
    /** Register numbers as in the ModRM encoding. */
    static final int RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7,
            R8 = 8, R9 = 9, R10 = 10, R11 = 11, R12 = 12, R13 = 13, R14 = 14, R15 = 15;

    private final ByteArrayOutputStream code = new ByteArrayOutputStream();

    int offset() {
        return code.size();
    }

    private X86Writer emit(int... bytes) {
        for (int b : bytes) {
            code.write(b);
        }
        return this;
    }

    private X86Writer disp32(int d) {
        return emit(d & 0xff, (d >> 8) & 0xff, (d >> 16) & 0xff, (d >>> 24) & 0xff);
    }

    /** ModRM for [rbx + disp32] with the given reg field. */
    private static int rbxDisp32(int regField) {
        return 0x80 | ((regField & 7) << 3) | X86Writer.RBX;
    }

    /** mov r32, imm32 (zero-extends into the 64-bit register). */
    X86Writer movImm32(int reg, int imm) {
        return emit(0xb8 + reg).disp32(imm);
    }

    /** mov reg64, [rbx + disp] */
    X86Writer loadRbx(int reg, int disp) {
        return emit(0x48 | (reg >= 8 ? 0x04 : 0), 0x8b, rbxDisp32(reg)).disp32(disp);
    }

    /** lea rsp, [rbx + disp] (leaves the flags alone) */
    X86Writer leaRspRbx(int disp) {
        return emit(0x48, 0x8d, rbxDisp32(RSP)).disp32(disp);
    }

    /** call qword [rbx + disp] */
    X86Writer callRbx(int disp) {
        return emit(0xff, rbxDisp32(2)).disp32(disp);
    }

    /** push qword [rbx + disp] */
    X86Writer pushRbx(int disp) {
        return emit(0xff, rbxDisp32(6)).disp32(disp);
    }

    X86Writer popfq() {
        return emit(0x9d);
    }

    X86Writer xorEaxEax() {
        return emit(0x31, 0xc0);
    }

    X86Writer movRdiRax() {
        return emit(0x48, 0x89, 0xc7);
    }

    X86Writer syscall() {
        return emit(0x0f, 0x05);
    }

    /** xsave64 [rcx], mask in edx:eax. */
    X86Writer xsaveRcx() {
        return emit(0x48, 0x0f, 0xae, 0x21);
    }

    /** xrstor64 [rcx], mask in edx:eax. */
    X86Writer xrstorRcx() {
        return emit(0x48, 0x0f, 0xae, 0x29);
    }

    /** ret imm16: pops rip, then adds imm16 to rsp. */
    X86Writer retImm16(int imm) {
        return emit(0xc2, imm & 0xff, (imm >> 8) & 0xff);
    }

    X86Writer int3() {
        return emit(0xcc);
    }

    byte[] bytes() {
        return code.toByteArray();
    }
}
