package tfix.engine.prepare;

import java.util.List;

import tfix.engine.patch.SitePlan;
import tfix.engine.record.AppliedPatch;
import tfix.engine.record.SiteKind;

/**
 * A replacement checked and ready to write. {@code supersedes}: the earlier patch in force
 * at the site that this one takes over in the same write, or null.
 */
public record Prepared(SitePlan plan, String patchPath, boolean loaded, double loadMillis, AppliedPatch supersedes) {

    /** The record's entry for it, before the record numbers it. */
    public AppliedPatch draft() {
        return AppliedPatch.draft(plan.function(), plan.module(), plan.entry(), plan.site(), plan.original(), plan.patch(),
                plan.targetName(), plan.target(), patchPath, plan.trampoline());
    }

    /** Its record entries: the jump, or one caller site each for a function patched through its callers. */
    public List<AppliedPatch> drafts() {
        if (plan.callers() == null) {
            return List.of(draft());
        }
        return plan.callers().sites().stream().map(c -> AppliedPatch.draft(plan.function(), plan.module(), plan.entry(),
                c.address(), c.original(), c.patch(), plan.targetName(), plan.target(), patchPath, c.trampoline())
                .as(SiteKind.CALLER, 0)).toList();
    }
}
