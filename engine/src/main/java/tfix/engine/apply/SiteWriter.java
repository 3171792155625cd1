package tfix.engine.apply;

import java.util.List;

/**
 * What changes patch sites, whichever route reaches the process: the {@link Applier} (ptrace: every thread
 * stopped from outside) or the {@link AgentApplier} (the agent stops the threads from inside).
 */
public interface SiteWriter {
    /** Writes in one stop, all or nothing, after the thread checks; reads back; rolls back on any failure. */
    Applier.Outcome apply(List<Write> writes);

    /** Waits until no thread is in the way of {@code writes}, without stopping the process for long. */
    void awaitClear(List<Write> writes);
}
