package tfix.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import tfix.engine.apply.Applier;
import tfix.engine.failure.Printable;
import tfix.engine.patch.CloneCheck;
import tfix.engine.patch.SitePlan;
import tfix.engine.prepare.Prepared;
import tfix.engine.record.AppliedPatch;
import tfix.engine.record.SiteKind;

/** What the session's operations return: values the DSL prints and tests assert on. */
public final class Results {
    private Results() {
    }

    /** A replace: the plan, whether anything changed, and the target's stop (freeze) time. */
    public record Replaced(SitePlan plan, boolean alreadyApplied, boolean libraryLoaded, double loadMillis,
                           double freezeMillis, Applier.Phases phases) {
        /** How the write went for the target's threads. */
        public String stopped() {
            return stoppedText(freezeMillis, phases);
        }

        @Override
        public String toString() {
            if (alreadyApplied) {
                return String.format("%s already replaced with %s (%s): nothing to do", Printable.of(plan.function()),
                        Printable.of(plan.targetName()), fileName(plan.targetModule()));
            }
            if (plan.callers() != null) {
                return String.format("replaced %s with %s from %s %s; target stopped %.3f ms%s", Printable.of(plan.function()),
                        Printable.of(plan.targetName()), fileName(plan.targetModule()), plan.jumpLabel(), freezeMillis,
                        libraryLoaded ? String.format(" (patch loaded by one thread in %.3f ms)", loadMillis) : "");
            }
            return String.format("replaced %s with %s from %s: %s, %d bytes at %#x%s; %s%s",
                    Printable.of(plan.function()), Printable.of(plan.targetName()), fileName(plan.targetModule()), plan.jumpLabel(),
                    plan.length(), plan.site(), plan.copy() == null ? "" : String.format("; original copy at %#x (in %s)",
                            plan.copy().address(), Printable.of(plan.copy().variable())), stopped(),
                    libraryLoaded ? String.format(" (patch loaded by one thread in %.3f ms)", loadMillis) : "")
                    + plan.checks().stream().filter(c -> c.name().equals(CloneCheck.NAME)).map(c -> "\n  " + c).findFirst().orElse("");
        }
    }

    /** "target stopped 0.120 ms", or for a write that stopped no thread, how long its int3s were in place. */
    static String stoppedText(double freezeMillis, Applier.Phases phases) {
        if (freezeMillis == 0 && phases != null && phases.stopNanos() == 0 && phases.writeNanos() > 0) {
            return String.format("no thread stopped (write without stopping threads: int3 window %.3f ms)",
                    phases.writeNanos() / 1e6);
        }
        return String.format("target stopped %.3f ms", freezeMillis);
    }

    /** What each prepared replacement came to, {@code written} in one stop (null when every one was in place). */
    static List<Replaced> replaced(List<Prepared> ready, Applier.Outcome written) {
        return ready.stream().map(p -> p.plan().alreadyApplied()
                ? new Replaced(p.plan(), true, p.loaded(), p.loadMillis(), 0, null)
                : new Replaced(p.plan(), false, p.loaded(), p.loadMillis(), written.freezeMillis(), written.phases()))
                .toList();
    }

    /** A revert of one or more patches, in one stop. */
    public record Reverted(List<AppliedPatch> patches, double freezeMillis) {
        @Override
        public String toString() {
            if (patches.isEmpty()) {
                return "nothing to revert";
            }
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < patches.size(); i++) {
                AppliedPatch p = patches.get(i);
                sb.append(String.format("reverted %s (was %s from %s)", Printable.of(p.label()), Printable.of(p.targetName()),
                        Printable.of(p.patchLibraryName())));
                sb.append(i == patches.size() - 1 ? String.format("; target stopped %.3f ms", freezeMillis) : "\n");
            }
            return sb.toString();
        }
    }

    /** One site read back. */
    public record Verified(AppliedPatch patch, boolean ok, byte[] actual) {
        @Override
        public String toString() {
            return String.format("%s %s -> %s at %#x: %s", ok ? "ok  " : "BAD ", Printable.of(patch.label()),
                    Printable.of(patch.targetName()), patch.site(), !ok ? "bytes differ from the record"
                            : patch.kind() == SiteKind.IMPORT ? "slot in place"
                            : patch.kind() == SiteKind.CALLER ? "caller redirected" : "jump in place");
        }
    }

    /**
     * One line per function patched through its callers, as status shows them:
     * "lea_plus_one: 7 callers redirected (0x..., 0x..., ...)".
     */
    public static List<String> callerSummaries(List<AppliedPatch> inForce) {
        Map<Long, List<AppliedPatch>> byEntry = new LinkedHashMap<>();
        inForce.stream().filter(p -> p.kind() == SiteKind.CALLER)
                .forEach(p -> byEntry.computeIfAbsent(p.entry(), e -> new ArrayList<>()).add(p));
        return byEntry.values().stream().map(sites -> String.format("%s: %d caller%s redirected (%s)",
                Printable.of(sites.get(0).function()), sites.size(), sites.size() == 1 ? "" : "s", sites.stream()
                        .map(p -> String.format("%#x", p.site())).collect(Collectors.joining(", ")))).toList();
    }

    static String fileName(String path) {
        int slash = path.lastIndexOf('/');
        return Printable.of(slash >= 0 ? path.substring(slash + 1) : path);
    }
}
