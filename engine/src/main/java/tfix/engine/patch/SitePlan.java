package tfix.engine.patch;

import java.util.ArrayList;
import java.util.List;

import tfix.engine.failure.Printable;
import tfix.engine.x86.CodeWriter;
import tfix.engine.x86.JumpKind;

/**
 * Everything needed to write (and undo) one jump: where, which bytes before and after,
 * and the checks that allowed it. Pure data: printing it changes nothing. {@code callers}: for a
 * function too short for a jump, its retargeted callers (then no byte of the function itself
 * changes: {@code original} and {@code patch} are empty); null for a jump.
 */
public record SitePlan(String function, String module, long entry, long functionSize, long site, long target,
                       String targetName, String targetModule, JumpKind kind, byte[] original, byte[] patch,
                       List<Check> checks, boolean alreadyApplied, long trampoline, byte[] trampolineCode,
                       CallerPlan callers) {

    /** A plan for a jump at the function's entry. */
    public SitePlan(String function, String module, long entry, long functionSize, long site, long target,
                    String targetName, String targetModule, JumpKind kind, byte[] original, byte[] patch,
                    List<Check> checks, boolean alreadyApplied, long trampoline, byte[] trampolineCode) {
        this(function, module, entry, functionSize, site, target, targetName, targetModule, kind, original, patch, checks,
                alreadyApplied, trampoline, trampolineCode, null);
    }

    /** The same function patched through its callers instead, with these checks: nothing at its entry changes. */
    public SitePlan withCallers(List<Check> newChecks, CallerPlan plan) {
        return new SitePlan(function, module, entry, functionSize, entry, target, targetName, targetModule, kind,
                new byte[0], new byte[0], newChecks, false, 0, new byte[0], plan);
    }

    /** The jump in words: "jmp rel32", or "jmp rel32 to a trampoline at 0x...", or "through 7 callers (0x...)" */
    public String jumpLabel() {
        if (callers != null) {
            return "through its " + callers.summary();
        }
        return trampoline == 0 ? kind.label()
                : String.format("%s to a trampoline at %#x (%s there)", kind.label(), trampoline, JumpKind.ABS64.label());
    }

    /** The same plan with one more check (one made outside the planner, such as the patch's symbols). */
    public SitePlan withCheck(Check check) {
        List<Check> all = new ArrayList<>(checks);
        all.add(check);
        return new SitePlan(function, module, entry, functionSize, site, target, targetName, targetModule, kind, original,
                patch, List.copyOf(all), alreadyApplied, trampoline, trampolineCode, callers);
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
        if (callers == null) {
            sb.append("  old: ").append(CodeWriter.hex(original)).append('\n');
            sb.append("  new: ").append(CodeWriter.hex(patch)).append('\n');
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
