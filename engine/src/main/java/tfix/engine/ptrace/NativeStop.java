package tfix.engine.ptrace;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import jnr.ffi.Pointer;
import tfix.engine.sys.Native;

/**
 * The stop window made in one call of libtfix-freeze.so (freeze.c says what it does and when it hands back),
 * and the Java bookkeeping of what it did to each thread. The layout of its in and out arrays lives here:
 * in[] is written before the stop by the caller, out[] read after it.
 */
public final class NativeStop {
    public static final int IN_PID = 0, IN_MEMFD = 1, IN_THREADS = 2, IN_MAPS = 3, IN_SITES = 4, IN_RANGES = 5,
            IN_SCAN = 6, IN_TIMEOUT = 7, IN_STACKBUF = 8, IN_STACKCAP = 9, IN_BYTES = 10, IN_HDR = 16;
    public static final int OUT_RESULT = 0, OUT_T_START = 1, OUT_T_STOPPED = 2, OUT_T_CHECKED = 3, OUT_T_WRITTEN = 4,
            OUT_T_RESUMED = 5, OUT_BUSY_THREAD = 6, OUT_BUSY_KIND = 7, OUT_BUSY_SITE = 8, OUT_BUSY_VALUE = 9,
            OUT_BUSY_PLACE = 10, OUT_STATUSES = 11, OUT_HDR = 16;
    /**
     * Results: written and resumed; a thread in the way, nothing written, resumed; the Java path goes on, all stopped;
     * a write failed and a site written could not be put back (OUT_BUSY_SITE the last site written, OUT_BUSY_VALUE
     * the first not put back), all stopped.
     */
    public static final int DONE = 0, BUSY = 1, FALLBACK = 2, ROLLBACK_FAILED = 3;
    private static final int RUNNING = 0, STOPPED = 1, GONE = 2;

    private final Tracee tracee;
    private final FreezeLibrary.Calls calls;
    /** When the Java side let go the last thread the library left to it (one in an EINTR), or 0. */
    private long javaResumedAt;

    private NativeStop(Tracee tracee, FreezeLibrary.Calls calls) {
        this.tracee = tracee;
        this.calls = calls;
    }

    /** The native window for a tracee, or null where the library is not available. */
    public static NativeStop of(Tracee tracee) {
        FreezeLibrary.Calls calls = FreezeLibrary.calls();
        return calls == null ? null : new NativeStop(tracee, calls);
    }

    public Native nat() {
        return tracee.ptrace().nat();
    }

    /** Whether the window can be made natively now: every thread running, none held at its entry point. */
    public boolean ready() {
        tracee.requireTracerThread();
        return tracee.hold == null && !tracee.exited && tracee.threads.values().stream().noneMatch(t -> t.stopped);
    }

    /** The longs out[] needs for {@code threads} threads: states, registers, wait statuses, stack windows. */
    public static int outLongs(int threads) {
        return OUT_HDR + threads + Registers.COUNT * threads + 2 * (threads + 1) + 2 * threads;
    }

    /** When the last thread left to the Java side was let go in the last DONE or BUSY run, or 0 if none was. */
    public long javaResumedAt() {
        return javaResumedAt;
    }

    /** Thread i's registers as the library read them (DONE or BUSY results). */
    public static Registers registers(Pointer out, int i) {
        long[] v = new long[Registers.COUNT];
        out.get(8L * (OUT_HDR + outThreads(out) + (long) Registers.COUNT * i), v, 0, v.length);
        return new Registers(v);
    }

    private static int outThreads(Pointer out) {
        return (int) out.getLong(8L * OUT_STATUSES + 8); // stored by run() beside the count of statuses
    }

    /**
     * Runs the window over {@code tids} (every traced thread, sorted, as written into in[]). On FALLBACK the
     * statuses the library collected are handled as the Java path would have, and the Java wait finishes the
     * stop: every thread is then stopped, for the Java check, write and resume.
     */
    public int run(Pointer in, Pointer out, List<Integer> tids, Duration timeout) {
        tracee.requireTracerThread();
        if (!tids.equals(tracee.threadIds())) {
            throw new IllegalStateException("threads changed between preparing the native stop and making it");
        }
        tracee.frozen = true;
        List<TracedThread> asked = new ArrayList<>();
        for (int tid : tids) {
            TracedThread t = tracee.threads.get(tid);
            t.wantRunning = false;
            t.awaitingTrap = true;
            asked.add(t);
        }
        out.putLong(8L * OUT_STATUSES + 8, tids.size());
        try {
            int result = (int) calls.tfix_freeze(in.address(), out.address());
            if (result == FALLBACK || result == ROLLBACK_FAILED) {
                handleCollected(out, tids.size());
                long waited = System.nanoTime() - out.getLong(8L * OUT_T_START);
                new StopWait(tracee, null, false).await(timeout.minusNanos(Math.min(waited, timeout.toNanos() / 2)));
            } else {
                settle(out, tids);
            }
            return result;
        } finally {
            for (TracedThread t : asked) {
                t.awaitingTrap = false;
            }
        }
    }

    /**
     * The statuses the library collected, each in tfix's books. One that fails does not stop the others: a status
     * left unhandled is a thread left in a ptrace-stop that tfix counts as running.
     */
    private void handleCollected(Pointer out, int threads) {
        long at = OUT_HDR + threads + (long) Registers.COUNT * threads;
        RuntimeException first = null;
        for (int k = 0; k < out.getLong(8L * OUT_STATUSES); k++) {
            try {
                tracee.handle(new WaitStatus((int) out.getLong(8 * (at + 2L * k)), (int) out.getLong(8 * (at + 2L * k + 1))));
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /**
     * What the library did to each thread, in tfix's books; a thread it left stopped (in an EINTR) resumed here.
     * Every thread is booked before any is resumed, and a resume that fails does not stop the others: a thread
     * booked as running while the library left it stopped would stay in its ptrace-stop until the detach.
     */
    private void settle(Pointer out, List<Integer> tids) {
        tracee.frozen = false;
        javaResumedAt = 0;
        List<TracedThread> leftStopped = new ArrayList<>();
        String odd = null;
        for (int i = 0; i < tids.size(); i++) {
            TracedThread t = tracee.threads.get(tids.get(i));
            t.wantRunning = true;
            long state = out.getLong(8L * (OUT_HDR + i));
            if (state == RUNNING) {
                t.running();
            } else if (state == STOPPED) {
                t.stopped = true;
                t.interruptStop = true;
                t.registers = registers(out, i);
                leftStopped.add(t);
            } else if (state == GONE) {
                tracee.threads.remove(t.tid);
            } else if (odd == null) {
                odd = "thread state " + state + " for thread " + t.tid;
            }
        }
        RuntimeException first = null;
        for (TracedThread t : leftStopped) {
            try {
                tracee.resume(t); // re-issues the call that answered EINTR to the stop
                javaResumedAt = System.nanoTime();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
        if (odd != null) {
            throw new IllegalStateException(odd);
        }
    }
}
