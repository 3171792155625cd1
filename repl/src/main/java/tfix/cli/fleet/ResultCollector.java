package tfix.cli.fleet;

import java.util.ArrayList;
import java.util.List;

import tfix.dsl.ResultListener;
import tfix.engine.Results;
import tfix.engine.record.AppliedPatch;

/** Gathers what one process's script did, as the engine reported it, into the outcome and sites of its result. */
final class ResultCollector implements ResultListener {
    private final List<SiteResult> sites = new ArrayList<>();
    private boolean patched;
    private boolean alreadyReplaced;
    private boolean reverted;
    private boolean revertFoundNothing;
    private boolean verified;
    private boolean listed;
    private double freezeMillis;
    private String route;

    @Override
    public void attached(int pid, String route) {
        this.route = route;
    }

    /** How the script reached the process: "ptrace", "agent", or null when it never attached. */
    String route() {
        return route;
    }

    @Override
    public void replaced(Results.Replaced r) {
        sites.add(SiteResult.of(r));
        if (r.alreadyApplied()) {
            alreadyReplaced = true;
        } else {
            patched = true;
            freezeMillis += r.freezeMillis();
        }
    }

    @Override
    public void reverted(Results.Reverted r) {
        r.patches().forEach(p -> sites.add(SiteResult.of(p, false)));
        if (r.patches().isEmpty()) {
            revertFoundNothing = true;
        } else {
            reverted = true;
            freezeMillis += r.freezeMillis();
        }
    }

    @Override
    public void verified(List<Results.Verified> v) {
        verified = true;
        v.forEach(x -> sites.add(SiteResult.of(x.patch(), x.ok())));
    }

    @Override
    public void listed(int pid, List<AppliedPatch> inForce) {
        if (!patched && !reverted && !verified) {
            // A script's closing status repeats what it changed: its sites are already listed.
            inForce.forEach(p -> sites.add(SiteResult.of(p, null)));
        }
        listed = true;
    }

    /** What the script came to, the strongest change first. */
    Outcome outcome() {
        if (patched) {
            return Outcome.PATCHED;
        }
        if (reverted) {
            return Outcome.REVERTED;
        }
        if (alreadyReplaced || revertFoundNothing) {
            return Outcome.ALREADY;
        }
        return verified ? Outcome.VERIFIED : listed ? Outcome.LISTED : Outcome.DONE;
    }

    List<SiteResult> sites() {
        return List.copyOf(sites);
    }

    double freezeMillis() {
        return freezeMillis;
    }
}
