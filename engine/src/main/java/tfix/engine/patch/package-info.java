/**
 * Pure planning: what the user asked for ({@link tfix.engine.patch.ReplaceSpec}), the facts about a site
 * ({@link tfix.engine.patch.SiteRequest}), the plan with its checks ({@link tfix.engine.patch.SitePlan}), the
 * planner, the jump-form decision ({@link tfix.engine.patch.JumpChoice}) and the plan's printing. No I/O, no
 * process: everything here is testable from bytes. Uses {@code x86}, {@code elf} (a module's branch index).
 */
package tfix.engine.patch;
