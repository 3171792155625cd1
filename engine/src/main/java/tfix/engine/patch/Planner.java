package tfix.engine.patch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import tfix.engine.x86.CodeWriter;
import tfix.engine.x86.Instruction;
import tfix.engine.x86.JumpKind;
import tfix.engine.x86.X86Decoder;

/**
 * Turns a {@link SiteRequest} into a {@link SitePlan}: chooses the jump, covers whole
 * instructions, and runs every check that needs no live process. Pure: no I/O.
 */
public final class Planner {
    /** Bytes a trampoline slot takes: a 14-byte absolute jump, padded. */
    public static final int TRAMPOLINE_SLOT = 16;
    private final X86Decoder decoder;

    public Planner(X86Decoder decoder) {
        this.decoder = decoder;
    }

    public SitePlan plan(SiteRequest r) {
        List<Check> checks = new ArrayList<>();
        byte[] file = r.fileBytes();
        boolean endbr = CodeWriter.startsWithEndbr64(file);
        long site = r.entry() + (endbr ? CodeWriter.endbr64Length() : 0);
        // Through a trampoline the site only needs to reach the slot; the slot reaches anywhere.
        long via = r.trampoline() != 0 ? r.trampoline() : r.target();
        JumpKind kind = CodeWriter.siteJump(site, via);
        int need = kind.length;
        if (r.trampoline() != 0 && kind != JumpKind.REL32) {
            checks.add(Check.fail("trampoline", String.format("the trampoline at %#x is out of a 5-byte jump's reach", via)));
        }

        // Cover whole instructions; the last one's leftover bytes become int3.
        int offset = (int) (site - r.entry());
        List<Instruction> insns = decoder.decode(Arrays.copyOfRange(file, offset, file.length), site);
        int covered = 0;
        for (Instruction i : insns) {
            if (covered >= need) {
                break;
            }
            covered += i.size();
        }
        long size = r.size() > 0 ? r.size() : file.length;
        if (r.size() <= 0) {
            checks.add(Check.fail("size", r.function() + " has no size in its symbol table (hand-written assembly?):"
                    + " tfix cannot tell how many bytes it may replace"));
        } else if (covered >= need && offset + covered <= size) {
            checks.add(Check.pass("size", String.format("%d of %d bytes replaced (%s%s)", covered, size,
                    kind.label(), endbr ? ", after endbr64" : "")));
        } else {
            Check padding = paddingCheck(r, insns, site, need, size, covered);
            checks.add(padding);
            if (!padding.passed()) {
                covered = Math.max(need, Math.min(covered, file.length - offset));
            }
        }
        int len = Math.min(covered, file.length - offset);
        if (len < need) {
            len = need;
        }
        if (r.replacing() != null && r.replacing().length > len) {
            len = r.replacing().length; // the earlier, longer jump is overwritten whole
        }
        byte[] original = Arrays.copyOfRange(file, offset, offset + len);
        byte[] patch = CodeWriter.jumpAt(site, kind, via, len);
        byte[] trampolineCode = r.trampoline() == 0 ? new byte[0] : trampolineCode(r.trampoline(), r.target());

        byte[] current = Arrays.copyOfRange(r.currentBytes(), offset, Math.min(r.currentBytes().length, offset + len));
        boolean already = Arrays.equals(current, patch);
        if (already) {
            checks.add(Check.pass("bytes", "already jump to " + r.targetName()));
        } else if (r.replacing() != null && Arrays.equals(current, expectedOver(r.replacing(), original))) {
            checks.add(Check.pass("bytes", "the earlier patch's jump is in place: this one takes over in the same write"));
        } else if (Arrays.equals(current, original)) {
            checks.add(Check.pass("bytes", "match " + r.module()));
        } else {
            checks.add(Check.fail("bytes", String.format("the bytes at %#x differ from %s (someone else changed them:"
                    + " another patcher or a debugger breakpoint); refusing to overwrite them", site, r.module())));
        }

        if (r.target() == r.entry()) {
            checks.add(Check.fail("target", "the new function is the old one"));
        }
        checks.add(branchCheck(r, site, len, size));
        return new SitePlan(r.function(), r.module(), r.entry(), r.size(), site, r.target(), r.targetName(),
                r.targetModule(), kind, original, patch, List.copyOf(checks), already, r.trampoline(), trampolineCode);
    }

    /**
     * How many of a plan's bytes any jump at its site would replace, wherever the new function lies: the
     * whole instructions covering a 5-byte jump. Threads inside them block the write whatever the final plan.
     */
    public int shortestCover(SitePlan p) {
        int covered = 0;
        for (Instruction i : decoder.decode(p.original(), p.site())) {
            if (covered >= JumpKind.REL32.length) {
                break;
            }
            covered += i.size();
        }
        return Math.min(Math.max(covered, JumpKind.REL32.length), p.original().length);
    }

    /** What a trampoline slot holds: an absolute jump on to the new function, padded. */
    public static byte[] trampolineCode(long slot, long target) {
        return CodeWriter.jumpAt(slot, JumpKind.ABS64, target, TRAMPOLINE_SLOT);
    }

    /** What a site holds under an earlier patch: its jump, then the original bytes. */
    public static byte[] expectedOver(byte[] earlierJump, byte[] original) {
        byte[] b = original.clone();
        System.arraycopy(earlierJump, 0, b, 0, Math.min(earlierJump.length, b.length));
        return b;
    }

    /**
     * A function shorter than the jump may borrow the bytes after it, but only when they
     * are provably padding: nop or int3 forms, before the next symbol or 16-byte boundary,
     * with no relocation writing into them.
     */
    private Check paddingCheck(SiteRequest r, List<Instruction> insns, long site, int need, long size, int covered) {
        long end = r.entry() + size;
        long coveredEnd = site + covered;
        String tooShort = String.format("%s is %d bytes, too short to patch safely: a %s needs %d bytes from %#x"
                + " (replace its callers instead)", r.function(), size,
                CodeWriter.siteJump(site, r.trampoline() != 0 ? r.trampoline() : r.target()).label(), need, site);
        if (r.size() <= 0 || covered < need) {
            return Check.fail("size", tooShort + " and its extent is unknown");
        }
        if (coveredEnd > r.paddingLimit()) {
            return Check.fail("size", tooShort + String.format(" (%d available, padding after it included: the next"
                    + " symbol or boundary is at %#x)", r.paddingLimit() - site, r.paddingLimit()));
        }
        for (Instruction i : insns) {
            if (i.address() >= end && i.address() < coveredEnd
                    && !(i.mnemonic().equals("nop") || i.mnemonic().equals("int3"))) {
                return Check.fail("size", tooShort + String.format("; the bytes after it are not padding (%s)", i));
            }
        }
        for (long reloc : r.relocations()) {
            if (reloc >= end && reloc < coveredEnd) {
                return Check.fail("size", tooShort + String.format("; a relocation writes at %#x after it", reloc));
            }
        }
        return Check.pass("size", String.format("%s is %d bytes: the jump also takes %d bytes of padding after it"
                + " (nop/int3, up to %#x, no symbol or relocation there)", r.function(), size, coveredEnd - end, r.paddingLimit()));
    }

    /**
     * Whether a call among the replaced instructions returns inside them: a thread in the
     * callee would come back into the middle of the jump, so the write must wait for it.
     * A shorter jump (through a trampoline) that ends at or before the return address avoids that.
     */
    public boolean callReturnsInside(SitePlan p) {
        for (Instruction i : decoder.decode(p.original(), p.site())) {
            if (i.mnemonic().startsWith("call") && i.end() < p.site() + p.length()) {
                return true;
            }
        }
        return false;
    }

    /**
     * No direct branch may land inside the replaced bytes (other than at their start): neither
     * one of the function's own nor one from anywhere else in its module (a {@code .cold} part,
     * a tail call). Jump tables and other indirect branches cannot be seen here.
     */
    private Check branchCheck(SiteRequest r, long site, int len, long size) {
        byte[] body = Arrays.copyOf(r.fileBytes(), (int) Math.min(size, r.fileBytes().length));
        for (Instruction i : decoder.decode(body, r.entry())) {
            if (i.branchTarget().isPresent() && inside(i.branchTarget().getAsLong(), site, len)) {
                return Check.fail("branches", String.format("%s at %#x jumps to %#x, inside the %d bytes the jump"
                        + " would replace", i.mnemonic(), i.address(), i.branchTarget().getAsLong(), len));
            }
        }
        List<String> elsewhere = new ArrayList<>();
        for (IncomingBranch b : r.incoming()) {
            if (inside(b.target(), site, len)) {
                return Check.fail("branches", String.format("%s at %#x (%s) jumps to %#x, inside the %d bytes the jump"
                        + " would replace (replace the functions that call %s instead)", b.instruction(), b.source(),
                        b.from(), b.target(), len, r.function()));
            }
            if (b.source() < r.entry() || b.source() >= r.entry() + size) {
                elsewhere.add(b.from());
            }
        }
        String others = elsewhere.isEmpty() ? "" : String.format("; %d direct branch%s from elsewhere in the module land"
                + " outside them (%s%s)", elsewhere.size(), elsewhere.size() == 1 ? "" : "es",
                String.join(", ", elsewhere.stream().distinct().limit(3).toList()), elsewhere.size() > 3 ? ", ..." : "");
        return Check.pass("branches", "no direct branch in " + r.module() + " lands inside the replaced bytes" + others);
    }

    private static boolean inside(long target, long site, int len) {
        return target > site && target < site + len;
    }
}
