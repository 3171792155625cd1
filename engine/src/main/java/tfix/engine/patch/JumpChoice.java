package tfix.engine.patch;

import java.util.function.LongSupplier;

import tfix.engine.x86.CodeWriter;
import tfix.engine.x86.JumpKind;

/**
 * The one place that decides how a site reaches its new function: a near or absolute
 * jump straight there, or a near jump to a trampoline slot that jumps on. Pure: a slot
 * is asked for only when the plan needs one.
 */
public final class JumpChoice {
    private final Planner planner;

    public JumpChoice(Planner planner) {
        this.planner = planner;
    }

    /** Where a slot would be, for plans that must not change the process: just below the site's page. */
    public static long hypotheticalSlot(long site) {
        long page = 4096;
        return (site & ~(page - 1)) - page;
    }

    /**
     * The plan for the request. When the absolute jump does not fit safely, or a call inside
     * its bytes would make the write wait for every thread in the callee, or it would cross a
     * page boundary that a 5-byte jump does not, a 5-byte jump to a trampoline near the site may: then {@code slotNear} gives the slot (a real one, or
     * {@link #hypotheticalSlot} for a plan that must change nothing).
     */
    public SitePlan plan(SiteRequest request, LongSupplier slotNear) {
        SitePlan plan = planner.plan(request);
        if (plan.alreadyApplied()) {
            return plan; // what is in place stays recognised as it is
        }
        boolean waitsForCallers = plan.ok() && planner.callReturnsInside(plan);
        boolean spans = plan.ok() && spansTwoPages(plan);
        if ((plan.ok() && !waitsForCallers && !spans) || plan.kind() != JumpKind.ABS64 || request.trampoline() != 0) {
            return plan;
        }
        SitePlan trial = planner.plan(request.viaTrampoline(hypotheticalSlot(request.entry())));
        if (!trial.ok() || (waitsForCallers && planner.callReturnsInside(trial)) || (spans && spansTwoPages(trial))) {
            return plan;
        }
        return planner.plan(request.viaTrampoline(slotNear.getAsLong()));
    }

    /**
     * Whether the bytes written at the site cross a page boundary. The kernel copies a write
     * to /proc/PID/mem page by page, and a tfix killed between the two copies would leave
     * half a jump: a shorter jump that stays in one page is preferred.
     */
    public static boolean spansTwoPages(SitePlan p) {
        return (p.site() >>> 12) != ((p.site() + p.length() - 1) >>> 12);
    }

    /** Whether a trampoline slot can serve a site: the site's 5-byte jump must reach it. */
    public static boolean slotServes(long site, long slot) {
        return CodeWriter.reaches(JumpKind.REL32, site, slot);
    }
}
