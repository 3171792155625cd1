package tfix.engine.ptrace;

import jnr.ffi.Pointer;
import tfix.engine.sys.LibC;
import tfix.engine.sys.Native;
import tfix.engine.timing.Holds;

/**
 * What the tracer thread does between tasks while tfix is attached: it waits inside native code (forward.c in
 * libtfix-freeze.so), which passes each plain signal on the moment its stop is seen, and comes back to Java when a
 * task is queued ({@link #wake()}), or with a status only Java may handle (a clone, an exit, an interrupt or
 * job-control stop...). A thread in a native call is not held by the JVM's safepoints (GC, class loading,
 * compilation), so a signal to the target no longer waits for the JVM: before, the Java pump every 1 ms was
 * the target's longest hold while tfix was attached (15-75 ms).
 *
 * The loop passes signals on itself only while every traced thread is meant to run (no freeze, no thread held, no
 * entry hold, no interrupt awaited): then PTRACE_CONT with the signal is all {@link Tracee#handle} would do.
 * Otherwise it returns every status to Java, and only saves Java's polling. Absent library, or
 * {@code -Dtfix.idle=java}: none is made, and the Java pump runs every 1 ms as before.
 */
final class IdleForward implements AutoCloseable {
    private static final int EVENTFD2 = 290;
    private static final int EFD_CLOEXEC = 0x80000, EFD_NONBLOCK = 0x800;
    /** How often the native loop looks for stops: the most a signal waits for it when the JVM is paused. */
    static final long INTERVAL_NS = 500_000;
    /**
     * Back to Java now and then anyway, even with nothing to do. Rarely: a JVM pause under way when the loop
     * returns holds the thread, and with it the target's signals, until it ends.
     */
    private static final long MAX_NS = 60_000_000_000L;
    private static final int IN_WAKEFD = 0, IN_INTERVAL_NS = 1, IN_MAX_NS = 2, IN_PASS = 3, IN_LEADER = 4;
    private static final int OUT_RESULT = 0, OUT_TID = 1, OUT_STATUS = 2, OUT_PASSED = 3, OUT_DEAF = 4, OUT_HOLD = 5,
            OUT_LAST_LOOK = 7;
    private static final int WOKEN = 0, EVENT = 1, TIME_UP = 2, LOST = 4;

    private final Tracee tracee;
    private final FreezeLibrary.Calls lib;
    private final LibC libc;
    private final int wakeFd;
    private final Pointer in;
    private final Pointer out;
    private final Pointer one;
    /** Signals passed on natively so far (for tests and the bench). */
    private long passed;
    private boolean closed;

    private IdleForward(Tracee tracee, FreezeLibrary.Calls lib, Native nat, int wakeFd) {
        this.tracee = tracee;
        this.lib = lib;
        this.libc = nat.libc();
        this.wakeFd = wakeFd;
        this.in = nat.allocate(8 * 8);
        this.out = nat.allocate(8 * 8);
        this.one = nat.allocate(8);
        one.putLong(0, 1);
        in.putLong(IN_WAKEFD * 8, wakeFd);
        in.putLong(IN_INTERVAL_NS * 8, INTERVAL_NS);
        in.putLong(IN_MAX_NS * 8, MAX_NS);
        // Only a target this JVM started has a waiter here (the process reaper) that takes its leader's stops.
        in.putLong(IN_LEADER * 8, ProcessHandle.of(tracee.pid()).flatMap(ProcessHandle::parent)
                .filter(p -> p.pid() == ProcessHandle.current().pid()).isPresent() ? tracee.pid() : 0);
    }

    /** The native idle loop for this tracee, or null where it cannot run (then the Java pump does). */
    static IdleForward open(Tracee tracee) {
        FreezeLibrary.Calls lib = FreezeLibrary.library();
        if (lib == null || "java".equals(System.getProperty("tfix.idle"))) {
            return null;
        }
        Native nat = tracee.ptrace().nat();
        int fd = (int) nat.libc().syscall(EVENTFD2, 0, EFD_CLOEXEC | EFD_NONBLOCK, 0);
        return fd < 0 ? null : new IdleForward(tracee, lib, nat, fd);
    }

    /** Makes a waiting (or the next) native loop return: work is queued for the tracer thread. Any thread. */
    synchronized void wake() {
        if (!closed) { // a closed fd's number may already name another file
            libc.write(wakeFd, one, 8);
        }
    }

    /**
     * One idle pass, on the tracer thread: what Java has pending, then the native wait until woken, time is up, or a
     * status Java must handle (handled here). False when the native loop failed: the caller falls back to the pump.
     */
    boolean round() {
        tracee.requireTracerThread();
        IdlePause.pass();
        tracee.pump(); // also marks, with Holds on, that the tracer looked just now
        if (tracee.exited()) {
            return false;
        }
        in.putLong(IN_PASS * 8, passesItself() ? 1 : 0);
        long result = lib.tfix_forward(in.address(), out.address());
        IdlePause.pass();
        passed += out.getLong(OUT_PASSED * 8);
        tracee.ptrace().heardNatively(out.getLong(OUT_DEAF * 8), out.getLong(OUT_LAST_LOOK * 8));
        if (Holds.on() && out.getLong(OUT_HOLD * 8) > 0) {
            Holds.add(Holds.Kind.STOPPED, "a signal's stop, passed on by the native idle loop", out.getLong(OUT_HOLD * 8));
        }
        if (result == EVENT) {
            tracee.handle(new WaitStatus((int) out.getLong(OUT_TID * 8), (int) out.getLong(OUT_STATUS * 8)));
            return true;
        }
        if (result == LOST) { // the leader in a ptrace-stop whose status another waiter of this JVM took
            TracedThread leader = tracee.threads.get(tracee.pid());
            WaitStatus stray = leader == null ? null : StrayStops.lost(tracee, leader);
            if (stray != null) {
                tracee.handle(stray);
            }
            return true;
        }
        return result == WOKEN || result == TIME_UP;
    }

    /** Whether PTRACE_CONT with the signal is all Java would do with a signal's stop now. */
    private boolean passesItself() {
        if (tracee.frozen || tracee.hold != null) {
            return false;
        }
        for (TracedThread t : tracee.threads.values()) {
            if (!t.wantRunning || t.awaitingTrap || t.stopped) {
                return false;
            }
        }
        return true;
    }

    long passed() {
        return passed;
    }

    /** Only once no loop can be waiting on the fd (called on the tracer thread, or after it ended). */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            libc.close(wakeFd);
        }
    }
}
