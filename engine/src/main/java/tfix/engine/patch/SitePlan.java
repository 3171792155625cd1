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
 * @param copy the callable copy of the original that {@code original:} asks for, or null
 */
public record SitePlan(String function, String module, long entry, long functionSize, long site, long target,
                       String targetName, String targetModule, JumpKind kind, byte[] original, byte[] patch,
                       List<Check> checks, boolean alreadyApplied, long trampoline, byte[] trampolineCode,
                       OriginalCopy copy) {

    public SitePlan(String function, String module, long entry, long functionSize, long site, long target,
                    String targetName, String targetModule, JumpKind kind, byte[] original, byte[] patch,
                    List<Check> checks, boolean alreadyApplied, long trampoline, byte[] trampolineCode) {
        this(function, module, entry, functionSize, site, target, targetName, targetModule, kind, original, patch, checks,
                alreadyApplied, trampoline, trampolineCode, null);
    }

    /** The jump in words: "jmp rel32", or "jmp rel32 to a trampoline at 0x..." */
    public String jumpLabel() {
        return trampoline == 0 ? kind.label()
                : String.format("%s to a trampoline at %#x (%s there)", kind.label(), trampoline, JumpKind.ABS64.label());
    }

    /** The same plan with one more check (one made outside the planner, such as the patch's symbols). */
    public SitePlan withCheck(Check check) {
        List<Check> all = new ArrayList<>(checks);
        all.add(check);
        return new SitePlan(function, module, entry, functionSize, site, target, targetName, targetModule, kind, original,
                patch, List.copyOf(all), alreadyApplied, trampoline, trampolineCode, copy);
    }

    /** The same plan with a copy of the original to place before the jump goes live. */
    public SitePlan withCopy(OriginalCopy newCopy) {
        return new SitePlan(function, module, entry, functionSize, site, target, targetName, targetModule, kind, original,
                patch, checks, alreadyApplied, trampoline, trampolineCode, newCopy);
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
        sb.append(String.format("%s at %#x (%s) -> %s at %#x (%s)%n", Printable.of(function), entry, Printable.of(module),
                Printable.of(targetName), target, Printable.of(targetModule)));
        sb.append(String.format("  site %#x, %d bytes, %s%n", site, patch.length, jumpLabel()));
        sb.append("  old: ").append(CodeWriter.hex(original)).append('\n');
        sb.append("  new: ").append(CodeWriter.hex(patch)).append('\n');
        if (copy != null) {
            sb.append(String.format("  original copy at %#x: %s%n", copy.address(), CodeWriter.hex(copy.code())));
        }
        for (Check c : checks) {
            sb.append("  ").append(c).append('\n');
        }
        return sb.toString();
    }
}
