package tfix.engine.x86;

import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the disp32 of a RIP-relative memory operand sits in an instruction's bytes. The ModRM byte follows
 * the prefixes and the opcode (legacy, VEX or EVEX); a RIP-relative operand has mod 00, r/m 101 there and
 * its disp32 right after. The displacement found must be the one Capstone prints, or the instruction is
 * treated as one this reading does not understand.
 */
public final class RipOperand {
    private static final Pattern PRINTED = Pattern.compile("\\[rip(?: ([+-]) (0x[0-9a-f]+|[0-9]+))?\\]");

    private RipOperand() {
    }

    /** Whether Capstone's operands name a RIP-relative memory operand. */
    public static boolean present(Instruction i) {
        return i.operands().contains("rip");
    }

    /** The address a RIP-relative memory operand refers to (the end of the instruction plus its displacement). */
    public static OptionalLong target(Instruction i) {
        OptionalLong disp = present(i) ? printed(i.operands()) : OptionalLong.empty();
        return disp.isPresent() ? OptionalLong.of(i.end() + disp.getAsLong()) : OptionalLong.empty();
    }

    /** The displacement as Capstone prints it ("[rip + 0x2ed6]"), if the operands hold exactly one. */
    static OptionalLong printed(String operands) {
        Matcher m = PRINTED.matcher(operands);
        if (!m.find()) {
            return OptionalLong.empty();
        }
        long v = m.group(2) == null ? 0 : m.group(2).startsWith("0x") ? Long.parseLong(m.group(2).substring(2), 16)
                : Long.parseLong(m.group(2));
        long disp = "-".equals(m.group(1)) ? -v : v;
        return m.find() ? OptionalLong.empty() : OptionalLong.of(disp);
    }

    /** The offset of the disp32 in {@code bytes} (one whole instruction), when it is found and agrees with {@code operands}. */
    public static OptionalInt dispOffset(byte[] bytes, String operands) {
        int modrm = modrmOffset(bytes);
        OptionalLong shown = printed(operands);
        if (modrm < 0 || modrm + 5 > bytes.length || (bytes[modrm] & 0xc7) != 0x05 || shown.isEmpty()) {
            return OptionalInt.empty();
        }
        return disp32(bytes, modrm + 1) == shown.getAsLong() ? OptionalInt.of(modrm + 1) : OptionalInt.empty();
    }

    static int disp32(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }

    /** The ModRM byte's offset after legacy prefixes, REX and a 1-3 byte opcode, or VEX/EVEX and the opcode; -1 if unclear. */
    private static int modrmOffset(byte[] b) {
        int p = 0;
        while (p < b.length && isLegacyPrefix(b[p] & 0xff)) {
            p++;
        }
        if (p >= b.length) {
            return -1;
        }
        int lead = b[p] & 0xff;
        if (lead == 0xc5) {
            return p + 3; // c5, one payload byte, opcode
        }
        if (lead == 0xc4) {
            return p + 4;
        }
        if (lead == 0x62) {
            return p + 5; // EVEX: 62, three payload bytes, opcode
        }
        if (lead >= 0x40 && lead <= 0x4f) {
            p++; // REX
        }
        if (p >= b.length) {
            return -1;
        }
        if ((b[p] & 0xff) != 0x0f) {
            return p + 1;
        }
        if (p + 1 >= b.length) {
            return -1;
        }
        int second = b[p + 1] & 0xff;
        return second == 0x38 || second == 0x3a ? p + 3 : p + 2;
    }

    private static boolean isLegacyPrefix(int b) {
        return b == 0xf0 || b == 0xf2 || b == 0xf3 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x26 || b == 0x64
                || b == 0x65 || b == 0x66 || b == 0x67;
    }
}
