package tfix.engine.apply;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import tfix.engine.agent.AgentClient;
import tfix.engine.elf.ProcessSymbols;
import tfix.engine.failure.Limit;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/**
 * Writes patch sites through the process's agent. 2-byte entry jumps inside a first instruction are written with no
 * thread stopped ({@link AgentClient#writeWithoutStop}). Otherwise the agent brings the threads running user code
 * to a safe point with a signal (a thread entering a system call at that instant may then see EINTR), reads where the others wait in the kernel, refuses while any is inside (or returns into) the bytes to
 * change, writes, reads back and releases them. Here, as in the {@link Applier}, a busy thread is waited for (the
 * process runs meanwhile) up to the thread time-out, then named.
 */
public final class AgentApplier implements SiteWriter {
    private static final String[] WHY = {"is executing inside", "will return into", "will re-issue a system call from inside"};
    private final AgentClient agent;
    private final ProcessSymbols symbols;
    private final Duration threadTimeout;
    private final boolean stackCheck;
    private final BooleanSupplier cancelled;

    public AgentApplier(AgentClient agent, ProcessSymbols symbols, Duration threadTimeout, boolean stackCheck,
                        BooleanSupplier cancelled) {
        this.agent = agent;
        this.symbols = symbols;
        this.threadTimeout = threadTimeout;
        this.stackCheck = stackCheck;
        this.cancelled = cancelled;
    }

    @Override
    public Applier.Outcome apply(List<Write> writes) {
        if (stackCheck && writes.stream().anyMatch(Write::replacing)) {
            throw new TfixException(Reason.UNSUPPORTED, "safety 'stack' is not available through the agent yet: attach"
                    + " with via: 'ptrace', or leave safety 'stack' out; nothing was changed");
        }
        List<AgentClient.Change> changes = writes.stream()
                .map(w -> new AgentClient.Change(w.address(), w.before(), w.after())).toList();
        if (withoutStop(writes)) {
            long window = agent.writeWithoutStop(changes);
            if (window >= 0) {
                return Applier.Outcome.withoutStop(window);
            } // declined (a thread blocks SIGTRAP): the stop below is sound for these bytes too
        }
        long deadline = System.nanoTime() + threadTimeout.toNanos(), all = 0;
        for (int attempt = 1;; attempt++) {
            long start = System.nanoTime();
            Object answer = agent.stopAndWrite(changes);
            if (answer instanceof AgentClient.Stopped s) {
                return new Applier.Outcome(s.freezeNanos(), all + s.freezeNanos(), attempt,
                        new Applier.Phases(0, 0, s.freezeNanos(), 0, false));
            }
            all += System.nanoTime() - start;
            AgentClient.Busy b = (AgentClient.Busy) answer;
            Write w = writes.get(b.change());
            String busy = String.format("thread %d %s the bytes of %s being replaced (at %s)", b.tid(),
                    WHY[Math.min(b.why(), 2)], w.function(), symbols.describe(b.where()));
            if (cancelled.getAsBoolean()) {
                throw new TfixException(Reason.CANCELLED, "cancelled while waiting: " + busy + "; no code was changed");
            }
            if (System.nanoTime() > deadline) {
                throw new TfixException(Reason.THREAD_BUSY, Limit.THREAD_TIMEOUT, busy + " for " + threadTimeout.toMillis()
                        + " ms; no code was changed: retry when that thread is elsewhere, or give it longer");
            }
            LockSupport.parkNanos(Math.min(2_000_000L, 50_000L * attempt));
        }
    }

    /**
     * Whether the agent can write these with no thread stopped: every one is 2 bytes inside one instruction (no
     * thread can be between them, no return address points between them), and safety 'stack' is not asked for
     * (it needs the stacks, read only in a stop).
     */
    private boolean withoutStop(List<Write> writes) {
        return agent.nostop() && !stackCheck && writes.stream().allMatch(w -> w.inOneInstruction() && w.length() == 2
                && (w.address() & 1) == 0);
    }

    /** The write's own stop checks every thread; a patch is loaded first (the agent stops nothing to look). */
    @Override
    public void awaitClear(List<Write> writes) {
    }
}
