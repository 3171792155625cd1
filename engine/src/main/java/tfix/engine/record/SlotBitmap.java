package tfix.engine.record;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongConsumer;

/**
 * The trampoline slots ever used, as a compacted record keeps them: slots are never reused, so
 * their number only grows; one line per island ("slots", its address, the step between slots,
 * a bitmap in hex, bit i for the slot at address + i * step) keeps that growth to a bit per
 * slot instead of a line each. Slots outside any island stay "slot" lines.
 */
final class SlotBitmap {
    /** Most slots one line describes: a page of 16-byte slots is 256, an island is at most a few pages. */
    static final int MAX_BITS = 8192;

    private SlotBitmap() {
    }

    static void read(String base, String step, String bitmap, int line, LongConsumer slot) {
        long at = RecordFields.userAddress(base, line, "the slots' island");
        long by = RecordFields.hex(step, line, "the slots' step");
        if (by <= 0 || by > 4096) {
            throw RecordFields.damaged(line, "a slot step of " + by);
        }
        if (bitmap.isEmpty() || bitmap.length() > MAX_BITS / 4) {
            throw RecordFields.damaged(line, "a slot bitmap of " + bitmap.length() + " hex digits");
        }
        for (int d = 0; d < bitmap.length(); d++) {
            int nibble = Character.digit(bitmap.charAt(d), 16);
            if (nibble < 0) {
                throw RecordFields.damaged(line, "the slot bitmap is not hex");
            }
            for (int b = 0; b < 4; b++) {
                if ((nibble & (1 << b)) != 0) {
                    long a = at + (4L * d + b) * by;
                    if (a >= RecordFields.USER_TOP) {
                        throw RecordFields.damaged(line, "a slot outside user space");
                    }
                    slot.accept(a);
                }
            }
        }
    }

    static void write(List<long[]> islands, Set<Long> used, StringBuilder out) {
        TreeSet<Long> left = new TreeSet<>(used);
        for (long[] island : islands) {
            List<Long> in = new ArrayList<>(left.subSet(island[0], island[0] + island[1]));
            if (in.isEmpty()) {
                continue;
            }
            long step = 0;
            for (long s : in) {
                step = gcd(step, s - island[0]);
            }
            step = step == 0 ? 1 : step;
            long bits = (in.get(in.size() - 1) - island[0]) / step + 1;
            if (step > 4096 || bits > MAX_BITS) {
                continue; // left as single lines below
            }
            int[] nibbles = new int[(int) ((bits + 3) / 4)];
            for (long s : in) {
                long i = (s - island[0]) / step;
                nibbles[(int) (i / 4)] |= 1 << (i % 4);
            }
            out.append("slots\t").append(Long.toHexString(island[0])).append('\t').append(Long.toHexString(step)).append('\t');
            for (int n : nibbles) {
                out.append(Character.forDigit(n, 16));
            }
            out.append('\n');
            left.removeAll(in);
        }
        for (long slot : left) {
            out.append("slot\t").append(Long.toHexString(slot)).append('\n');
        }
    }

    private static long gcd(long a, long b) {
        return b == 0 ? a : gcd(b, a % b);
    }
}
