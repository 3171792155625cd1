package tfix.engine.patch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

import tfix.engine.TfixException;
import tfix.engine.elf.ProcessSymbols;
import tfix.engine.ptrace.ProcMemory;
import tfix.engine.ptrace.Registers;
import tfix.engine.ptrace.Tracee;

/**
 * The only code that writes patch sites. Writes a set of sites in one stop of the
 * whole process, all or nothing, and reports how long the process was stopped.
 */
public final class Applier {
    private final Tracee tracee;
    private final ProcMemory memory;
    private final ProcessSymbols symbols;
    private final Duration threadTimeout;
    /** How long every thread may take to stop: a thread in uninterruptible sleep must not freeze the rest for long. */
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(1);
    private final boolean stackCheck;
    private final java.util.function.BooleanSupplier cancelled;

    /** One write: expect {@code before} at {@code address}, leave {@code after}; {@code replacing}: old code goes away. */
    public record Write(SitePlan plan, long address, byte[] before, byte[] after, boolean replacing) {
    }

    /** Where the freeze went: stopping every thread, the thread checks, the writes, resuming. */
    public record Phases(long stopNanos, long checkNanos, long writeNanos, long resumeNanos) {
        @Override
        public String toString() {
            return String.format("stop %.2f + check %.2f + write %.2f + resume %.2f ms", stopNanos / 1e6, checkNanos / 1e6,
                    writeNanos / 1e6, resumeNanos / 1e6);
        }
    }

    /**
     * The stop that wrote the sites (the outage the target saw) and the stops of all
     * attempts together; between attempts the target runs.
     */
    public record Outcome(long freezeNanos, long allStopsNanos, int attempts, Phases phases) {
        public double freezeMillis() {
            return freezeNanos / 1e6;
        }
    }

    /** {@code stackCheck}: also refuse while a thread has an old function on its stack (replacements only). */
    public Applier(Tracee tracee, ProcMemory memory, ProcessSymbols symbols, Duration threadTimeout, boolean stackCheck,
                   java.util.function.BooleanSupplier cancelled) {
        this.cancelled = cancelled;
        this.tracee = tracee;
        this.memory = memory;
        this.symbols = symbols;
        this.threadTimeout = threadTimeout;
        this.stackCheck = stackCheck;
    }

    public static Write apply(SitePlan p) {
        return new Write(p, p.site(), p.original(), p.patch(), true);
    }

    public static Write revert(SitePlan p) {
        return new Write(p, p.site(), p.patch(), p.original(), false);
    }

    /**
     * Stops every thread, checks no thread is inside bytes about to change (else lets
     * the process run a moment and tries again, up to the time-out), writes, reads back,
     * and resumes. On any failure the sites already written are put back.
     */
    public Outcome write(List<Write> writes) {
        long deadline = System.nanoTime() + threadTimeout.toNanos();
        long freeze = 0;
        tfix.engine.process.Maps maps = null;
        int attempt = 0;
        while (true) {
            attempt++;
            if (maps == null) {
                maps = tracee.process().maps(); // before the stop: stacks stay where they are
            }
            long stopped = tracee.stopAll(STOP_TIMEOUT);
            try {
                long allStopped = System.nanoTime();
                String busy = busyThread(writes, maps);
                if (busy == null) {
                    long checked = System.nanoTime();
                    writeAll(writes);
                    long written = System.nanoTime();
                    tracee.resumeAll();
                    long resumed = System.nanoTime();
                    long last = resumed - stopped;
                    return new Outcome(last, freeze + last, attempt, new Phases(allStopped - stopped, checked - allStopped,
                            written - checked, resumed - written));
                }
                tracee.resumeAll();
                freeze += System.nanoTime() - stopped;
                if (cancelled.getAsBoolean()) {
                    throw new TfixException("cancelled while waiting: " + busy + "; nothing was changed");
                }
                if (System.nanoTime() > deadline) {
                    throw new TfixException(busy + " for " + threadTimeout.toMillis()
                            + " ms; nothing was changed, try again when it is idle or with a longer time-out");
                }
                // Let the thread leave the site; it usually does within microseconds.
                LockSupport.parkNanos(Math.min(2_000_000L, 50_000L * attempt));
            } catch (RuntimeException e) {
                if (!tracee.exited()) {
                    tracee.resumeAll();
                }
                throw e;
            }
        }
    }

    /**
     * A thread that would run into the middle of the bytes being replaced: executing
     * there, about to re-issue a system call whose instruction is there, or holding a
     * return address into them (a call made from those bytes, a signal context). With
     * {@code safety 'stack'}, also one with the old function anywhere on its stack.
     */
    private String busyThread(List<Write> writes, tfix.engine.process.Maps maps) {
        StackCheck stacks = new StackCheck(memory, maps, () -> tracee.process().maps());
        for (int tid : tracee.threadIds()) {
            Registers regs = tracee.registers(tid);
            // One read of the thread's stack serves every site of the write.
            StackCheck.Words words = stacks.words(regs, stackCheck ? StackCheck.FUNCTION_SCAN : StackCheck.SITE_SCAN);
            for (Write w : writes) {
                SitePlan p = w.plan();
                if (p.covers(regs.rip())) {
                    return String.format("thread %d is executing inside the bytes of %s being replaced (at %s)",
                            tid, p.function(), symbols.describe(regs.rip()));
                }
                long restart = regs.rip() - 2;
                if (regs.origRax() >= 0 && restart >= p.site() && restart < p.site() + p.length()) {
                    return String.format("thread %d will re-issue a system call from inside the bytes of %s being replaced",
                            tid, p.function());
                }
                String into = words.within(p.site() + 1, p.site() + p.length());
                if (into != null) {
                    return String.format("thread %d will return into the bytes of %s being replaced (%s)", tid,
                            p.function(), into);
                }
                if (stackCheck && w.replacing()) {
                    String where = p.inFunction(regs.rip()) ? "executing it"
                            : words.within(p.entry() + 1, p.entry() + Math.max(p.functionSize(), 1));
                    if (where != null) {
                        return String.format("thread %d has %s on its stack (%s; safety 'stack')", tid, p.function(), where);
                    }
                }
            }
        }
        return null;
    }

    private void writeAll(List<Write> writes) {
        for (Write w : writes) {
            byte[] now = memory.read(w.address(), w.before().length);
            if (!Arrays.equals(now, w.before()) && !Arrays.equals(now, w.after())) {
                throw new TfixException(String.format("the bytes of %s at %#x changed since they were checked"
                        + " (now %s); nothing was changed", w.plan().function(), w.address(), ProcMemory.hex(now)));
            }
        }
        List<Write> done = new ArrayList<>();
        try {
            for (Write w : writes) {
                memory.write(w.address(), w.after());
                done.add(w);
                byte[] back = memory.read(w.address(), w.after().length);
                if (!Arrays.equals(back, w.after())) {
                    throw new TfixException(String.format("read-back of %s at %#x gave %s instead of %s; rolled back",
                            w.plan().function(), w.address(), ProcMemory.hex(back), ProcMemory.hex(w.after())));
                }
            }
        } catch (RuntimeException e) {
            for (Write w : done) {
                memory.write(w.address(), w.before());
            }
            throw e;
        }
    }
}
