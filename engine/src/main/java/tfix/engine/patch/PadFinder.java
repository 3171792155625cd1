package tfix.engine.patch;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import tfix.engine.x86.Instruction;
import tfix.engine.x86.X86Decoder;

/**
 * Finds a pad for a 2-byte entry jump: 5 bytes of padding within rel8 reach that no thread can execute. They lie
 * after a function whose last instruction ends the flow (ret, jmp, ud2, hlt), inside no symbol, are all nop forms
 * (0x90, gcc's multi-byte nops), int3 or zero, hold no branch target, are not used already, and lie in the site's
 * executable text. Pure.
 */
public final class PadFinder {
    /** Bytes of the pad's jump (jmp rel32). */
    public static final int PAD = 5;
    private final X86Decoder decoder;

    public PadFinder(X86Decoder decoder) {
        this.decoder = decoder;
    }

    /** The pad found, or why there is none. */
    public record Found(long pad, String why) {
        public boolean ok() {
            return why == null;
        }
    }

    public Found find(long site, PadArea area) {
        long from = site + 2;
        List<String> why = new ArrayList<>();
        for (PadGap g : area.gaps()) {
            Optional<String> refused = gapRefused(g);
            if (refused.isPresent()) {
                why.add(refused.get());
                continue;
            }
            int run = paddingRun(g);
            if (run < PAD) {
                why.add(String.format("the %d bytes after the function at %#x are not 5 bytes of padding",
                        g.bytes().length, g.precedingStart()));
                continue;
            }
            for (long p = g.start(); p + PAD <= g.start() + run; p++) {
                String no = refused(p, from, g, area);
                if (no == null) {
                    return new Found(p, null);
                }
                if (!why.contains(no)) {
                    why.add(no);
                }
            }
        }
        if (why.isEmpty()) {
            why.add(String.format("no gap between functions within reach of a 2-byte jump at %#x", site));
        }
        return new Found(0, String.join("; ", why.stream().distinct().limit(3).toList()));
    }

    private String refused(long p, long from, PadGap g, PadArea area) {
        if (p - from < -128 || p - from > 127) {
            return String.format("the padding at %#x is out of a 2-byte jump's reach (-128..127 bytes from %#x)", p, from);
        }
        for (long[] s : area.symbols()) {
            if (p < s[1] && p + PAD > s[0]) {
                return String.format("the padding at %#x lies inside a symbol (%#x..%#x)", p, s[0], s[1]);
            }
        }
        if (p < area.textStart() || p + PAD > area.textEnd()) {
            return String.format("the padding at %#x is not in the site's executable file-backed text", p);
        }
        for (long t : g.branchTargets()) {
            if (t >= p && t < p + PAD) {
                return String.format("a branch lands at %#x in the padding", t);
            }
        }
        for (long u : area.used()) {
            if (u < p + PAD && p < u + PAD) {
                return String.format("the padding at %#x is used already (by a pad or slot at %#x)", p, u);
            }
        }
        return null;
    }

    /** Refuses a gap whose function may fall through into it (its last instruction does not end the flow). */
    private Optional<String> gapRefused(PadGap g) {
        List<Instruction> insns = decoder.decode(g.preceding(), g.precedingStart());
        Instruction last = insns.isEmpty() ? null : insns.get(insns.size() - 1);
        if (last == null || last.end() != g.start() || !(last.endsFlow() || last.mnemonic().equals("int3"))) {
            return Optional.of(String.format("the function at %#x may run on into the bytes after it (%s)",
                    g.precedingStart(), last == null ? "undecodable" : last));
        }
        return Optional.empty();
    }

    /** How many bytes from the gap's start are padding. */
    private int paddingRun(PadGap g) {
        byte[] b = g.bytes();
        int at = 0;
        while (at < b.length) {
            int x = b[at] & 0xff;
            if (x == 0x90 || x == 0xcc || x == 0x00) {
                at++;
                continue;
            }
            byte[] rest = java.util.Arrays.copyOfRange(b, at, b.length);
            List<Instruction> one = decoder.decode(rest, g.start() + at);
            if (one.isEmpty() || !one.get(0).mnemonic().equals("nop")) {
                break;
            }
            at += one.get(0).size();
        }
        return at;
    }
}
