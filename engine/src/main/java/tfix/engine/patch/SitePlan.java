package tfix.engine.patch;

import java.util.ArrayList;
import java.util.List;

import tfix.engine.failure.Printable;
import tfix.engine.x86.CodeWriter;
import tfix.engine.x86.JumpKind;

/**
 * Everything needed to write (and undo) one jump: where, which bytes before and after,
 * and the checks that allowed it. Pure data: printing it changes nothing.
 *
 * @param importSlot not a jump but one module's import-table slot (8 bytes of data at {@code site}; kind null), or null
 * @param copy       the callable copy of the original that {@code original:} asks for, or null
 * @param callers    for a function too short for a jump, its retargeted callers (then no byte of the function
 *                   itself changes: {@code original} and {@code patch} are empty); null for a jump
 */
public record SitePlan(String function, String module, long entry, long functionSize, long site, long target,
                       String targetName, String targetModule, JumpKind kind, byte[] original, byte[] patch,
                       List<Check> checks, boolean alreadyApplied, long trampoline, byte[] trampolineCode,
                       ImportSlot importSlot, OriginalCopy copy, CallerPlan callers) {

    /** A plan for a jump at the function's entry. */
    public SitePlan(String function, String module, long entry, long functionSize, long site, long target,
                    String targetName, String targetModule, JumpKind kind, byte[] original, byte[] patch,
                    List<Check> checks, boolean alreadyApplied, long trampoline, byte[] trampolineCode) {
        this(function, module, entry, functionSize, site, target, targetName, targetModule, kind, original, patch, checks,
                alreadyApplied, trampoline, trampolineCode, null, null, null);
    }

    /** One import slot set to the new function; {@code original}: what a revert puts back (the value before any patch). */
    public static SitePlan importing(ImportSlot s, String importerPath, byte[] original, List<Check> checks,
                                     boolean alreadyApplied) {
        return new SitePlan(s.symbol(), importerPath, s.slot(), 8, s.slot(), s.newValue(), s.newName(), s.newModule(), null,
                original, ImportSlot.bytes(s.newValue()), List.copyOf(checks), alreadyApplied, 0, new byte[0], s, null, null);
    }

    /** The same function patched through its callers instead, with these checks: nothing at its entry changes. */
    public SitePlan withCallers(List<Check> newChecks, CallerPlan plan) {
        return new SitePlan(function, module, entry, functionSize, entry, target, targetName, targetModule, kind,
                new byte[0], new byte[0], newChecks, false, 0, new byte[0], importSlot, copy, plan);
    }

    /** The jump in words: "jmp rel32", or "jmp rel32 to a trampoline at 0x...", or "through 7 callers (0x...)" */
    public String jumpLabel() {
        if (importSlot != null) {
            return String.format("%s of %s", importSlot.slotWord(), Printable.of(importSlot.importer()));
        }
        if (callers != null) {
            return "through its " + callers.summary();
        }
        if (ShortJump.planned(this)) {
            return String.format("%s to a pad at %#x (%s there%s)", kind.label(), ShortJump.pad(site, patch),
                    JumpKind.REL32.label(), trampoline == 0 ? "" : String.format(", on to a trampoline at %#x", trampoline));
        }
        return trampoline == 0 ? kind.label()
                : String.format("%s to a trampoline at %#x (%s there)", kind.label(), trampoline, JumpKind.ABS64.label());
    }

    /** The same plan with one more check (one made outside the planner, such as the patch's symbols). */
    public SitePlan withCheck(Check check) {
        List<Check> all = new ArrayList<>(checks);
        all.add(check);
        return new SitePlan(function, module, entry, functionSize, site, target, targetName, targetModule, kind, original,
                patch, List.copyOf(all), alreadyApplied, trampoline, trampolineCode, importSlot, copy, callers);
    }

    /** The same plan with a copy of the original to place before the jump goes live. */
    public SitePlan withCopy(OriginalCopy newCopy) {
        return new SitePlan(function, module, entry, functionSize, site, target, targetName, targetModule, kind, original,
                patch, checks, alreadyApplied, trampoline, trampolineCode, importSlot, newCopy, callers);
    }

    public int length() {
        return patch.length;
    }

    public boolean covers(long address) {
        return address > site && address < site + patch.length;
    }

    /** Whether an address lies in the old function (for the stack check). */
    public boolean inFunction(long address) {
        return address >= entry && address < entry + Math.max(functionSize, patch.length + (site - entry));
    }

    public boolean ok() {
        return checks.stream().allMatch(Check::passed);
    }

    public List<Check> failures() {
        return checks.stream().filter(c -> !c.passed()).toList();
    }

    public String describe() {
        StringBuilder sb = new StringBuilder();
        if (importSlot != null) {
            sb.append(importSlot.describe()).append('\n');
            checks.forEach(c -> sb.append("  ").append(c).append('\n'));
            return sb.toString();
        }
        sb.append(String.format("%s at %#x (%s) -> %s at %#x (%s)%n", Printable.of(function), entry, Printable.of(module),
                Printable.of(targetName), target, Printable.of(targetModule)));
        sb.append(String.format("  site %#x, %d bytes, %s%n", site, patch.length, jumpLabel()));
        if (callers == null) {
            sb.append("  old: ").append(CodeWriter.hex(original)).append('\n');
            sb.append("  new: ").append(CodeWriter.hex(patch)).append('\n');
        }
        if (copy != null) {
            sb.append(String.format("  original copy at %#x: %s%n", copy.address(), CodeWriter.hex(copy.code())));
        }
        for (CallerSite c : callers == null ? List.<CallerSite>of() : callers.sites()) {
            sb.append(String.format("  caller %#x (%s): %s -> %s%s%n", c.address(), Printable.of(c.from()),
                    CodeWriter.hex(c.original()), CodeWriter.hex(c.patch()),
                    c.trampoline() == 0 ? "" : String.format(" via trampoline %#x", c.trampoline())));
        }
        for (Check c : checks) {
            sb.append("  ").append(c).append('\n');
        }
        return sb.toString();
    }
}
