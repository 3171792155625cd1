package tfix.engine.prepare;

import java.nio.file.Path;
import java.util.Optional;
import java.util.function.LongUnaryOperator;

import tfix.engine.elf.DataObject;
import tfix.engine.elf.ElfImage;
import tfix.engine.failure.Printable;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.patch.Check;
import tfix.engine.patch.JumpChoice;
import tfix.engine.patch.OriginalCopies;
import tfix.engine.patch.Planner;
import tfix.engine.patch.SitePlan;
import tfix.engine.x86.X86Decoder;

/**
 * The patch's function-pointer variable that {@code original:} names: checked in the patch file before
 * anything is loaded (a data object of 8 bytes the program may write), and the plan given its copy.
 */
final class OriginalVariable {
    private OriginalVariable() {
    }

    /** The variable, or a refusal naming what it is instead; null when {@code original:} was not given. */
    static DataObject check(String name, ElfImage patchImage, Path patch) {
        if (name == null) {
            return null;
        }
        Optional<DataObject> found = DataObject.find(patchImage, name);
        String why = found.isEmpty() ? "it is not defined there"
                : !found.get().isObject() ? "it is " + (found.get().type() == 2 ? "a function" : "not a variable")
                : found.get().size() != 8 ? "it is " + found.get().size() + " bytes, not a pointer's 8"
                : !found.get().writable() ? "it is read-only once loaded (declared const?)" : null;
        if (why == null) {
            return found.get();
        }
        String file = patch.getFileName().toString();
        throw new TfixException(found.isEmpty() ? Reason.NOT_FOUND : Reason.BAD_INPUT, String.format(
                "original: '%s' must name a function-pointer variable defined in %s, e.g. int (*%s)(int); (%s); no patch"
                        + " was loaded", Printable.of(name), Printable.of(file), Printable.of(name), why));
    }

    /**
     * The plan with its copy of the original placed by {@code place} (bytes to room), the variable at
     * {@code patchBias} plus its value; the plan as it is when there is nothing to copy.
     */
    static SitePlan withCopy(SitePlan plan, String name, DataObject variable, long patchBias, X86Decoder decoder,
                             LongUnaryOperator place) {
        if (variable == null || plan.alreadyApplied()) {
            return plan;
        }
        if (plan.callers() != null) { // nothing of the function is displaced: its own entry is the original
            return plan.withCheck(Check.fail("original", Printable.of(plan.function()) + " is patched through its callers,"
                    + " so its own code stays as it is and needs no copy: drop original: and call it by name from the patch,"
                    + " declared with TFIX_EXTERN_FN from tfix.h"));
        }
        // A plan refused already maps nothing for its copy: the copy is made at a hypothetical place, for its checks.
        LongUnaryOperator where = plan.ok() ? place : n -> hypotheticalPlace(plan.entry());
        return new OriginalCopies(decoder).withCopy(plan, name, patchBias + variable.value(), where);
    }

    /** Where a copy would go in a plan that must change nothing: next to the hypothetical trampoline slot. */
    static long hypotheticalPlace(long entry) {
        return JumpChoice.hypotheticalSlot(entry) + Planner.TRAMPOLINE_SLOT;
    }
}
