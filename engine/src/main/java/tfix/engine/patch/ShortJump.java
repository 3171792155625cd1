package tfix.engine.patch;

import tfix.engine.x86.CodeWriter;
import tfix.engine.x86.JumpKind;

/**
 * The entry jump written without stopping threads: {@code jmp rel8} (2 bytes, inside the function's first
 * instruction) to a pad in nearby padding that holds {@code jmp rel32} to the new function or to a trampoline.
 * The pad follows from the site's bytes, so the record needs no field for it.
 */
public final class ShortJump {
    /** The check a plan of this shape carries: what lets it be written with no thread stopped. */
    public static final String CHECK = "no stop";

    private ShortJump() {
    }

    /** Whether a plan is this shape (planned by {@link ShortPlanner}). */
    public static boolean planned(SitePlan p) {
        return p.kind() == JumpKind.SHORT && p.checks().stream().anyMatch(c -> c.name().equals(CHECK) && c.passed());
    }

    /** Whether bytes at a site are one 2-byte jmp rel8. */
    public static boolean isShort(byte[] jump) {
        return jump != null && jump.length == 2 && (jump[0] & 0xff) == 0xeb;
    }

    /** Where a 2-byte jump at {@code site} lands. */
    public static long pad(long site, byte[] jump) {
        return site + 2 + jump[1];
    }

    /** What a pad holds: a 5-byte jump to {@code via} (the new function or its trampoline). */
    public static byte[] padCode(long pad, long via) {
        return CodeWriter.jumpAt(pad, JumpKind.REL32, via, PadFinder.PAD);
    }

    /** The pad's jump goes to the trampoline when there is one, else straight to the new function. */
    public static long padTarget(long trampoline, long target) {
        return trampoline != 0 ? trampoline : target;
    }
}
