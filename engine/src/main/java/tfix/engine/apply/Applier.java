package tfix.engine.apply;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import tfix.engine.elf.ProcessSymbols;
import tfix.engine.failure.Limit;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.process.Maps;
import tfix.engine.process.ProcMemory;
import tfix.engine.ptrace.NativeStop;
import tfix.engine.ptrace.ThreadExitedException;
import tfix.engine.ptrace.Tracee;
import tfix.engine.x86.CodeWriter;

/**
 * The only code that changes patch sites. Applies a set of writes in one stop of the
 * whole process, all or nothing, and reports how long the process was stopped. The
 * writes run on the tracer thread, whichever thread asks.
 *
 * <p>Why every thread is stopped, and not the kernel's text_poke_bp way (an int3 on the first byte, a
 * membarrier SYNC_CORE, the tail, a barrier, the first byte, a barrier; threads that hit the int3 held by
 * tfix): that way is sound in the kernel because the int3 handler cannot die. Here the handler is tfix, and tfix
 * may be killed (SIGKILL) at any instant. The kernel then detaches every thread and, as TracerDeathTest shows:
 * an int3 still in memory traps the next caller untraced (the default SIGTRAP action: a core dump of the whole
 * process); a thread stopped at the int3 whose stop tfix has not yet collected gets the SIGTRAP delivered even
 * when the int3 is already gone; one whose stop tfix collected but whose rip it has not yet moved back resumes
 * at the int3's address plus one, inside an instruction. Each window can be made short (a stub in the target
 * that finishes the writes on its own, rip moved back first thing), none can be closed while the only int3
 * handler is a tracer that can die; that needs a SIGTRAP handler inside the target, which changes the program's
 * own signal disposition. A stop, by contrast, ends harmlessly with the tracer: the threads go on where they were
 * (a signal that a thread stopped for on its way to the stop is passed on at once, never held through the
 * freeze: a collected one would be dropped with the tracer, as the last case of that test shows).
 */
public final class Applier implements SiteWriter {
    /** How long every thread may take to stop: a thread in uninterruptible sleep must not freeze the rest for long. */
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(1);
    private final Tracee tracee;
    private final ProcMemory memory;
    private final Duration threadTimeout;
    private final BooleanSupplier cancelled;
    private final ThreadCheck threads;
    private final ProcessSymbols symbols;
    private final boolean stackCheck;

    /**
     * Where the freeze went: stopping every thread, the thread checks, the writes, resuming. {@code nativeWindow}:
     * the whole stop was made in one call of libtfix-freeze.so ({@link NativeFreeze}), not by the Java path.
     */
    public record Phases(long stopNanos, long checkNanos, long writeNanos, long resumeNanos, boolean nativeWindow) {
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

        /** A write that stopped no thread ({@code attempts} 0): the int3 window's length is its write phase. */
        public static Outcome withoutStop(long windowNanos) {
            return new Outcome(0, 0, 0, new Phases(0, 0, windowNanos, 0, false));
        }

        public boolean stoppedThreads() {
            return attempts > 0;
        }
    }

    /** {@code stackCheck}: also refuse while a thread has an old function on its stack (replacements only). */
    public Applier(Tracee tracee, ProcMemory memory, ProcessSymbols symbols, Duration threadTimeout, boolean stackCheck,
                   BooleanSupplier cancelled) {
        this.tracee = tracee;
        this.memory = memory;
        this.threadTimeout = threadTimeout;
        this.cancelled = cancelled;
        this.threads = new ThreadCheck(tracee, memory, symbols, stackCheck);
        this.symbols = symbols;
        this.stackCheck = stackCheck;
    }

    /**
     * Stops every thread, checks no thread is inside bytes about to change (else lets
     * the process run a moment and tries again, up to the time-out), writes, reads back,
     * and resumes. On any failure the sites already written are put back.
     */
    @Override
    public Outcome apply(List<Write> writes) {
        return tracee.onTracer(() -> {
            tracee.boostWhileStopped(true);
            try (tfix.engine.timing.Phases.Span s = tfix.engine.timing.Phases.start("  freeze (stop all, check, write, resume)");
                 tfix.engine.timing.Holds.Cause c = tfix.engine.timing.Holds.cause("the freeze")) {
                return applyOnTracer(writes);
            } finally {
                tracee.boostWhileStopped(false);
            }
        });
    }

    /**
     * Waits until no thread is in the way of {@code writes}, without stopping the process:
     * each thread is stopped alone for the moment it takes to read it, then let go. Run
     * before a patch is loaded, so a site that a thread never leaves is refused before the
     * patch's code runs; the write checks every thread again in its own stop.
     */
    @Override
    public void awaitClear(List<Write> writes) {
        tracee.onTracer(() -> {
            try (tfix.engine.timing.Holds.Cause c = tfix.engine.timing.Holds.cause("threads clear of the site, one at a time")) {
                long deadline = System.nanoTime() + threadTimeout.toNanos();
                Maps maps = tracee.process().maps();
                for (int attempt = 1;; attempt++) {
                    String busy = firstBusyAlone(writes, maps);
                    if (busy == null) {
                        return null;
                    }
                    waitOrGiveUp(busy, deadline, attempt);
                }
            }
        });
    }

    private String firstBusyAlone(List<Write> writes, Maps maps) {
        for (int tid : tracee.threadIds()) {
            try {
                tracee.stopThread(tid, STOP_TIMEOUT);
            } catch (ThreadExitedException e) {
                continue;
            }
            try {
                String busy = threads.busy(tid, writes, maps);
                if (busy != null) {
                    return busy;
                }
            } finally {
                if (tracee.threadIds().contains(tid)) {
                    tracee.resumeThread(tid);
                }
            }
        }
        return null;
    }

    private Outcome applyOnTracer(List<Write> writes) {
        try (NativeFreeze natively = NativeFreeze.of(tracee, symbols, stackCheck, writes)) {
            return applyOnTracer(writes, natively);
        }
    }

    /** {@code natively}: the freeze made in one native call where it can be (null: always the Java way). */
    private Outcome applyOnTracer(List<Write> writes, NativeFreeze natively) {
        long deadline = System.nanoTime() + threadTimeout.toNanos();
        long freeze = 0;
        Maps maps = tracee.process().maps(); // before the stop: stacks stay where they are
        int attempt = 0;
        while (true) {
            attempt++;
            threads.prepare(maps); // the stacks' index and buffer, made while the target runs
            long stopped;
            List<Write> nativelyLeft = List.of(); // written by the library, not put back
            if (natively != null && natively.prepare(maps, writes, STOP_TIMEOUT)) {
                NativeFreeze.Attempt a;
                try {
                    a = natively.run(STOP_TIMEOUT);
                } catch (RuntimeException e) {
                    throw resumeAfter(e);
                }
                if (a.result() == NativeStop.DONE || a.result() == NativeStop.BUSY) { // a hand-over is marked by the Java way
                    tfix.engine.timing.Holds.add(tfix.engine.timing.Holds.Kind.STOPPED, "the freeze", a.resumed() - a.start());
                }
                if (a.result() == NativeStop.DONE) {
                    long last = a.resumed() - a.start();
                    return new Outcome(last, freeze + last, attempt, new Phases(a.stopped() - a.start(),
                            a.checked() - a.stopped(), a.written() - a.checked(), a.resumed() - a.written(), true));
                }
                if (a.result() == NativeStop.BUSY) {
                    freeze += a.resumed() - a.start();
                    waitOrGiveUp(a.busy(), deadline, attempt);
                    continue;
                }
                stopped = a.start(); // every thread stopped: the Java way goes on in the same stop
                nativelyLeft = a.result() == NativeStop.ROLLBACK_FAILED ? natively.written() : nativelyLeft;
            } else {
                stopped = tracee.stopAll(STOP_TIMEOUT);
            }
            try {
                SiteRollback.afterNative(memory, nativelyLeft); // before any check: all back, or the torn sites named
                long allStopped = System.nanoTime();
                String busy = threads.busyThread(writes);
                if (busy == null) {
                    long checked = System.nanoTime();
                    writeAll(writes);
                    long written = System.nanoTime();
                    tracee.resumeAll();
                    long resumed = System.nanoTime();
                    long last = resumed - stopped;
                    return new Outcome(last, freeze + last, attempt, new Phases(allStopped - stopped, checked - allStopped,
                            written - checked, resumed - written, false));
                }
                tracee.resumeAll();
                freeze += System.nanoTime() - stopped;
                waitOrGiveUp(busy, deadline, attempt);
            } catch (RuntimeException e) {
                throw resumeAfter(e);
            }
        }
    }

    /** Resumes every thread after {@code e}; a failure to resume is added to it, never thrown instead of it. */
    private RuntimeException resumeAfter(RuntimeException e) {
        try {
            if (!tracee.exited()) {
                tracee.resumeAll();
            }
        } catch (RuntimeException r) {
            e.addSuppressed(r);
        }
        return e;
    }

    /** A thread is in the way: let it run a moment and leave (it usually does within microseconds), or give up. */
    private void waitOrGiveUp(String busy, long deadline, int attempt) {
        if (cancelled.getAsBoolean()) {
            throw new TfixException(Reason.CANCELLED, "cancelled while waiting: " + busy + "; no code was changed");
        }
        if (System.nanoTime() > deadline) {
            throw new TfixException(Reason.THREAD_BUSY, Limit.THREAD_TIMEOUT, busy + " for " + threadTimeout.toMillis()
                    + " ms; no code was changed: retry when that thread is elsewhere, or give it longer");
        }
        LockSupport.parkNanos(Math.min(2_000_000L, 50_000L * attempt));
    }

    private void writeAll(List<Write> writes) {
        List<SiteRollback.Site> was = new ArrayList<>();
        for (Write w : writes) {
            byte[] now = memory.read(w.address(), w.before().length);
            if (!Arrays.equals(now, w.before()) && !Arrays.equals(now, w.after())) {
                throw new TfixException(Reason.UNSAFE_SITE, String.format("the bytes of %s at %#x changed since they were"
                        + " checked (now %s); nothing was changed", w.function(), w.address(), CodeWriter.hex(now)));
            }
            was.add(new SiteRollback.Site(w, now));
        }
        int started = 0; // sites whose write began: a write that fails may have changed part of its site
        try {
            for (Write w : writes) {
                started++;
                memory.write(w.address(), w.after());
                byte[] back = memory.read(w.address(), w.after().length);
                if (!Arrays.equals(back, w.after())) {
                    throw new TfixException(Reason.UNSAFE_SITE, String.format("read-back of %s at %#x gave %s instead of"
                            + " %s; rolled back", w.function(), w.address(), CodeWriter.hex(back), CodeWriter.hex(w.after())));
                }
            }
        } catch (RuntimeException e) {
            throw SiteRollback.after(memory, was.subList(0, started), e);
        }
    }
}
