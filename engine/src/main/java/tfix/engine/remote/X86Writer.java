package tfix.engine.remote;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Emits the few x86-64 instructions tfix's call stub needs. Memory operands are
 * RIP-relative references to named 8-byte slots placed after the code, so the stub
 * needs no register to find its data and runs wherever it is written.
 */
final class X86Writer {
    /** Register numbers as in the ModRM encoding. */
    static final int RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7,
            R8 = 8, R9 = 9, R10 = 10, R11 = 11, R12 = 12, R13 = 13, R14 = 14, R15 = 15;

    private final ByteArrayOutputStream code = new ByteArrayOutputStream();
    private final List<String> slots = new ArrayList<>();
    private final List<int[]> fixups = new ArrayList<>(); // {position of disp32, end of instruction, slot}

    int offset() {
        return code.size();
    }

    private void emit(int... bytes) {
        for (int b : bytes) {
            code.write(b);
        }
    }

    private void ripRelative(String slot) {
        int index = slots.indexOf(slot);
        if (index < 0) {
            slots.add(slot);
            index = slots.size() - 1;
        }
        fixups.add(new int[] {code.size(), code.size() + 4, index});
        emit(0, 0, 0, 0);
    }

    /** mov r32, imm32 (zero-extends into the 64-bit register). */
    X86Writer movImm32(int reg, int imm) {
        emit(0xb8 + reg, imm & 0xff, (imm >> 8) & 0xff, (imm >> 16) & 0xff, (imm >>> 24) & 0xff);
        return this;
    }

    /** mov reg64, [rip + slot] */
    X86Writer load(int reg, String slot) {
        emit(0x48 | (reg >= 8 ? 0x04 : 0), 0x8b, ((reg & 7) << 3) | 0x05);
        ripRelative(slot);
        return this;
    }

    /** call qword [rip + slot] */
    X86Writer callIndirect(String slot) {
        emit(0xff, 0x15);
        ripRelative(slot);
        return this;
    }

    /** jmp qword [rip + slot]: changes no register. */
    X86Writer jmpIndirect(String slot) {
        emit(0xff, 0x25);
        ripRelative(slot);
        return this;
    }

    /** push qword [rip + slot] */
    X86Writer pushIndirect(String slot) {
        emit(0xff, 0x35);
        ripRelative(slot);
        return this;
    }

    X86Writer popfq() {
        emit(0x9d);
        return this;
    }

    X86Writer xorEaxEax() {
        emit(0x31, 0xc0);
        return this;
    }

    X86Writer movRdiRax() {
        emit(0x48, 0x89, 0xc7);
        return this;
    }

    X86Writer syscall() {
        emit(0x0f, 0x05);
        return this;
    }

    /** xsave64 [rbx] with the mask in edx:eax. */
    X86Writer xsaveRbx() {
        emit(0x48, 0x0f, 0xae, 0x23);
        return this;
    }

    /** xrstor64 [rbx] with the mask in edx:eax. */
    X86Writer xrstorRbx() {
        emit(0x48, 0x0f, 0xae, 0x2b);
        return this;
    }

    X86Writer int3() {
        emit(0xcc);
        return this;
    }

    /** The code followed by the 8-aligned slots; returns the offset of each slot via {@code slotOffsets}. */
    byte[] finish(int[] slotOffsets) {
        while (code.size() % 8 != 0) {
            int3();
        }
        int dataStart = code.size();
        byte[] out = new byte[dataStart + slots.size() * 8];
        System.arraycopy(code.toByteArray(), 0, out, 0, dataStart);
        for (int[] f : fixups) {
            int target = dataStart + f[2] * 8;
            int disp = target - f[1];
            out[f[0]] = (byte) disp;
            out[f[0] + 1] = (byte) (disp >> 8);
            out[f[0] + 2] = (byte) (disp >> 16);
            out[f[0] + 3] = (byte) (disp >> 24);
        }
        for (int i = 0; i < slots.size() && i < slotOffsets.length; i++) {
            slotOffsets[i] = dataStart + i * 8;
        }
        return out;
    }

    List<String> slots() {
        return List.copyOf(slots);
    }
}
