package tfix.engine.prepare;

import java.util.List;

import tfix.engine.patch.SitePlan;
import tfix.engine.record.AppliedPatch;
import tfix.engine.record.SiteKind;

/**
 * A replacement checked and ready to write. {@code supersedes}: the earlier patch in force
 * at the site that this one takes over in the same write, or null; {@code fixEntry}: the entry
 * of the patch's fix table it comes from, or 0.
 */
public record Prepared(SitePlan plan, String patchPath, boolean loaded, double loadMillis, AppliedPatch supersedes,
                       int fixEntry) {

    public Prepared(SitePlan plan, String patchPath, boolean loaded, double loadMillis, AppliedPatch supersedes) {
        this(plan, patchPath, loaded, loadMillis, supersedes, 0);
    }

    public Prepared fromFixEntry(int entry) {
        return new Prepared(plan, patchPath, loaded, loadMillis, supersedes, entry);
    }

    /** The record's entry for it, before the record numbers it; an import slot is recorded as one (its entry: the slot). */
    public AppliedPatch draft() {
        AppliedPatch d = AppliedPatch.draft(plan.function(), plan.module(), plan.entry(), plan.site(), plan.original(),
                plan.patch(), plan.targetName(), plan.target(), patchPath, plan.trampoline());
        return (plan.importSlot() != null ? d.as(SiteKind.IMPORT, 0)
                : d.as(SiteKind.JUMP, plan.copy() == null ? 0 : plan.copy().address())).fromFixEntry(fixEntry);
    }

    /** Its record entries: the jump, or one caller site each for a function patched through its callers. */
    public List<AppliedPatch> drafts() {
        if (plan.callers() == null) {
            return List.of(draft());
        }
        return plan.callers().sites().stream().map(c -> AppliedPatch.draft(plan.function(), plan.module(), plan.entry(),
                c.address(), c.original(), c.patch(), plan.targetName(), plan.target(), patchPath, c.trampoline())
                .as(SiteKind.CALLER, plan.copy() == null ? 0 : plan.copy().address()).fromFixEntry(fixEntry)).toList();
    }
}
