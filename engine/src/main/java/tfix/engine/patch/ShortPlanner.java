package tfix.engine.patch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;

import tfix.engine.x86.CodeWriter;
import tfix.engine.x86.Instruction;
import tfix.engine.x86.JumpKind;
import tfix.engine.x86.X86Decoder;

/**
 * Plans the {@link ShortJump} shape: a 2-byte jump at the site (after an endbr64) to a pad. It qualifies only when
 * the function's first instruction there is at least 2 bytes long and the site is even: then the 2 changed bytes
 * lie inside one instruction, so no thread can be between them, no branch lands on the second, no return address
 * points to it, and the agent can change them without stopping any thread. Pure; a plan that fails a check says
 * why, and the caller falls back to the other shapes.
 */
public final class ShortPlanner {
    private final X86Decoder decoder;

    public ShortPlanner(X86Decoder decoder) {
        this.decoder = decoder;
    }

    /** {@code slotNear} is asked only when the new function is beyond a 5-byte jump from the pad. */
    public SitePlan plan(SiteRequest r, PadArea area, LongSupplier slotNear) {
        List<Check> checks = new ArrayList<>();
        byte[] file = r.fileBytes();
        int offset = CodeWriter.startsWithEndbr64(file) ? CodeWriter.endbr64Length() : 0;
        long site = r.entry() + offset;
        List<Instruction> first = decoder.decode(Arrays.copyOfRange(file, offset, Math.min(file.length, offset + 15)), site);
        int firstSize = first.isEmpty() ? 0 : first.get(0).size();
        if (r.size() < offset + 2 || firstSize < 2) {
            checks.add(Check.fail(ShortJump.CHECK, String.format("the first instruction at %#x is %s: a 2-byte write there could"
                    + " meet a thread between its bytes", site, first.isEmpty() ? "undecodable" : firstSize + " byte long ("
                    + text(first.get(0)) + ")")));
        } else if (Set.of("syscall", "sysenter", "int", "int1", "into").contains(first.get(0).mnemonic())) {
            // A call interrupted there restarts at the site (rip - 2): it would meet the new jump, not the call.
            checks.add(Check.fail(ShortJump.CHECK, String.format("the first instruction at %#x is a system call (%s):"
                    + " an interrupted call restarts at the site", site, text(first.get(0)))));
        } else if ((site & 1) != 0) {
            checks.add(Check.fail(ShortJump.CHECK, String.format("the site %#x is odd", site)));
        } else {
            checks.add(Check.pass(ShortJump.CHECK, String.format("write without stopping threads (entry within the first"
                    + " instruction: %s, %d bytes)", text(first.get(0)), firstSize)));
        }
        if (r.replacing() != null && r.replacing().length > 2) {
            checks.add(Check.fail("bytes", "the earlier patch's jump is longer than 2 bytes: only a jump as long takes"
                    + " it over whole"));
        }
        long[] ready = area.ready().stream().filter(x -> x[0] - (site + 2) >= -128 && x[0] - (site + 2) <= 127)
                .findFirst().orElse(null);
        PadFinder.Found found = ready != null ? new PadFinder.Found(ready[0], null) : new PadFinder(decoder).find(site, area);
        long pad = found.pad();
        if (!found.ok()) {
            checks.add(Check.fail("pad", found.why()));
        }
        byte[] original = Arrays.copyOfRange(file, offset, offset + 2);
        byte[] patch = found.ok() ? new byte[] {(byte) 0xeb, (byte) (pad - site - 2)} : original.clone();
        byte[] current = Arrays.copyOfRange(r.currentBytes(), offset, Math.min(r.currentBytes().length, offset + 2));
        if (Arrays.equals(current, original)) {
            checks.add(Check.pass("bytes", "match " + r.module()));
        } else if (r.replacing() != null && Arrays.equals(current, Arrays.copyOf(r.replacing(), 2))) {
            checks.add(Check.pass("bytes", "the earlier patch's jump is in place: this one takes over in the same write"));
        } else {
            checks.add(Check.fail("bytes", String.format("the bytes at %#x differ from %s", site, r.module())));
        }
        for (IncomingBranch b : r.incoming()) {
            if (b.target() == site + 1) {
                checks.add(Check.fail("branches", String.format("%s at %#x jumps to %#x, inside the 2 bytes", b.instruction(),
                        b.source(), b.target())));
            }
        }
        if (r.target() == r.entry()) {
            checks.add(Check.fail("target", "the new function is the old one"));
        }
        // A trampoline only for a site that is otherwise fit: asking for one may map an island.
        long slot = ready != null ? ready[1] : 0;
        if (ready == null && checks.stream().allMatch(Check::passed) && !CodeWriter.reaches(JumpKind.REL32, pad, r.target())) {
            slot = slotNear.getAsLong();
            if (!CodeWriter.reaches(JumpKind.REL32, pad, slot)) {
                checks.add(Check.fail("trampoline", String.format("the trampoline at %#x is out of the pad's reach", slot)));
            }
        }
        if (ready != null) {
            checks.add(Check.pass("pad", String.format("jmp rel32 at %#x leads to %s already (an earlier patch's pad,"
                    + " used as it is)", pad, r.targetName())));
        } else if (found.ok()) {
            checks.add(Check.pass("pad", String.format("jmp rel32 at %#x, in the padding after the function at %#x%s", pad,
                    gapOwner(area, pad), slot == 0 ? "" : String.format(", on to a trampoline at %#x", slot))));
        }
        return new SitePlan(r.function(), r.module(), r.entry(), r.size(), site, r.target(), r.targetName(),
                r.targetModule(), JumpKind.SHORT, original, patch, List.copyOf(checks), false, slot,
                slot == 0 ? new byte[0] : Planner.trampolineCode(slot, r.target()));
    }

    /** A pad jump in force with this target, as the record holds it: recognised as already applied. */
    public static SitePlan inPlace(SiteRequest r, long site, byte[] original, byte[] jump, long trampoline) {
        return new SitePlan(r.function(), r.module(), r.entry(), r.size(), site, r.target(), r.targetName(),
                r.targetModule(), JumpKind.SHORT, original, jump, List.of(Check.pass(ShortJump.CHECK, "in place already"),
                Check.pass("bytes", "already jump to " + r.targetName())), true, trampoline,
                trampoline == 0 ? new byte[0] : Planner.trampolineCode(trampoline, r.target()));
    }

    private static String text(Instruction i) {
        return (i.mnemonic() + " " + i.operands()).trim();
    }

    private static long gapOwner(PadArea area, long pad) {
        return area.gaps().stream().filter(g -> pad >= g.start() && pad < g.start() + g.bytes().length)
                .mapToLong(PadGap::precedingStart).findFirst().orElse(0);
    }
}
