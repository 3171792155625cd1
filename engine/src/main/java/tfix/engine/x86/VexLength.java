package tfix.engine.x86;

/**
 * The length of a VEX- or EVEX-encoded instruction, for the ones Capstone 4 cannot decode
 * (AVX-512 and mask-register instructions such as {@code kmovq} and {@code vptestnmb}, which
 * glibc's string functions are full of). Used only where an instruction is known to start, so
 * the sweep can step over it instead of decoding its bytes as garbage. None of these
 * instructions is a branch: knowing the length is all the index needs.
 */
final class VexLength {
    private VexLength() {
    }

    /** The instruction's length at {@code at}, or 0 when it is not VEX/EVEX or runs past {@code end}. */
    static int at(byte[] code, int at, int end) {
        int p = at;
        while (p < end && isPassivePrefix(code[p] & 0xff) && p - at < 4) {
            p++;
        }
        if (p >= end) {
            return 0;
        }
        int lead = code[p] & 0xff;
        int map;
        int body; // bytes of the VEX/EVEX prefix itself
        if (lead == 0xc5) {
            map = 1;
            body = 2;
        } else if (lead == 0xc4 && p + 1 < end) {
            map = code[p + 1] & 0x1f;
            body = 3;
        } else if (lead == 0x62 && p + 1 < end) {
            map = code[p + 1] & 0x07;
            body = 4;
        } else {
            return 0;
        }
        int op = p + body;
        if (op >= end || map < 1 || map > 7) {
            return 0;
        }
        int opcode = code[op] & 0xff;
        if (map == 1 && opcode == 0x77) {
            return op + 1 - at; // vzeroupper, vzeroall: no ModRM
        }
        int q = op + 1;
        if (q >= end) {
            return 0;
        }
        int modrm = code[q++] & 0xff;
        int mod = modrm >> 6;
        int rm = modrm & 7;
        if (mod != 3) {
            if (rm == 4) {
                if (q >= end) {
                    return 0;
                }
                int base = code[q++] & 7;
                if (mod == 0 && base == 5) {
                    q += 4;
                }
            } else if (mod == 0 && rm == 5) {
                q += 4; // rip-relative
            }
            q += mod == 1 ? 1 : mod == 2 ? 4 : 0;
        }
        if (map == 3 || (map == 1 && (opcode >= 0x70 && opcode <= 0x73 || opcode == 0xc2 || opcode >= 0xc4 && opcode <= 0xc6))) {
            q += 1; // imm8
        }
        return q <= end && q - at <= 15 ? q - at : 0;
    }

    /** Segment overrides and the address-size prefix may come before a VEX/EVEX prefix; others may not. */
    private static boolean isPassivePrefix(int b) {
        return b == 0x67 || b == 0x2e || b == 0x3e || b == 0x26 || b == 0x36 || b == 0x64 || b == 0x65;
    }
}
