package tfix.dsl;

import java.util.List;

import tfix.engine.Results;
import tfix.engine.record.AppliedPatch;

/**
 * What a {@link TfixContext} did, as the engine's own values, for callers that report results as data
 * (tfix --json, fleets) rather than as the text the context prints. Each method is told after the text.
 */
public interface ResultListener {
    ResultListener NONE = new ResultListener() {
    };

    default void attached(int pid) {
    }

    /** The same, with the route that reached the process ("ptrace" or "agent"). */
    default void attached(int pid, String route) {
        attached(pid);
    }

    default void replaced(Results.Replaced replaced) {
    }

    default void reverted(Results.Reverted reverted) {
    }

    /** Every site read back, before a failed one makes verify throw. */
    default void verified(List<Results.Verified> verified) {
    }

    default void listed(int pid, List<AppliedPatch> inForce) {
    }
}
