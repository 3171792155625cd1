package tfix.engine.ptrace;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.process.ProcStatus;
import tfix.engine.process.TargetProcess;
import tfix.engine.sys.Errno;
import tfix.engine.sys.SyscallException;

/** Keeps a tracee's thread table in step with the threads /proc lists: seizing, adopting, dropping, releasing. */
final class Seizer {
    private final Tracee tracee;
    private final TargetProcess process;
    private final Ptrace ptrace;
    /** The most a detach takes, stops and all: the target must not wait on a tfix that cannot let go. */
    static final Duration RELEASE_TIME = Duration.ofSeconds(3);
    private static final Duration MIN_STOP = Duration.ofMillis(100);

    Seizer(Tracee tracee) {
        this.tracee = tracee;
        this.process = tracee.process();
        this.ptrace = tracee.ptrace();
    }

    private int tracerOf(int tid, int unknown) {
        return ProcStatus.ofTask(process.pid(), tid).map(ProcStatus::tracerPid).orElse(unknown);
    }

    /** Seizes every thread, again and again until no new one appears. */
    void seizeAll() {
        int self = ptrace.tracerTid();
        boolean grew = true;
        while (grew) {
            grew = false;
            List<Integer> tids = process.threadIds();
            if (tids.isEmpty()) {
                throw exitedWhileAttaching();
            }
            for (int tid : tids) {
                if (!tracee.threads.containsKey(tid)) {
                    grew = true;
                    seize(tid, self);
                }
            }
        }
    }

    private void seize(int tid, int self) {
        if (tracerOf(tid, -1) == self) {
            tracee.threads.put(tid, new TracedThread(tid)); // already ours: auto-attached as a seized thread's clone
            return;
        }
        try {
            ptrace.seize(tid);
            tracee.threads.put(tid, new TracedThread(tid));
        } catch (SyscallException e) {
            boolean gone = ProcStatus.ofTask(process.pid(), tid).isEmpty();
            if (e.errno() == Errno.ESRCH || gone) {
                return; // the thread ended meanwhile
            }
            if (e.errno() != Errno.EPERM) {
                throw e;
            }
            if (!process.alive()) {
                throw exitedWhileAttaching();
            }
            if (ProcStatus.ofTask(process.pid(), tid).map(ProcStatus::isZombie).orElse(true)) {
                return; // this thread is exiting
            }
            int now = tracerOf(tid, 0);
            if (now == self) {
                tracee.threads.put(tid, new TracedThread(tid));
                return;
            }
            throw now != 0 ? AttachCheck.alreadyTraced(process.pid(), now) : AttachCheck.permissionDenied(process.pid());
        }
    }

    private TfixException exitedWhileAttaching() {
        return new TfixException(Reason.PROCESS_GONE, "process " + process.pid() + " exited while tfix was attaching");
    }

    /**
     * A thread that is exiting never enters a ptrace-stop; /proc shows it as a zombie
     * (or not at all). Forgets such threads; fails when the whole process is gone.
     * Returns whether any thread was dropped.
     */
    boolean dropExited(Collection<TracedThread> which) {
        if (!process.alive()) {
            tracee.exited = true;
            throw new TfixException(Reason.PROCESS_GONE, "process " + process.pid() + " exited while tfix was working on it");
        }
        boolean dropped = false;
        for (TracedThread t : which) {
            if (t.stopped || !tracee.threads.containsKey(t.tid)) {
                continue;
            }
            if (ProcStatus.ofTask(process.pid(), t.tid).map(ProcStatus::isZombie).orElse(true)) {
                tracee.threads.remove(t.tid);
                dropped = true;
            }
        }
        return dropped;
    }

    /** Threads traced by this tracer that tfix has not heard of yet (clones whose event is pending). */
    void adoptUnknownThreads() {
        int self = ptrace.tracerTid();
        for (int tid : process.threadIds()) {
            if (!tracee.threads.containsKey(tid) && tracerOf(tid, 0) == self) {
                tracee.newThread(tid);
            }
        }
    }

    /**
     * Detaches from every thread, passing on pending signals; threads born meanwhile are let go too. Bounded: a
     * few rounds within {@link #RELEASE_TIME}, then every thread /proc shows in a ptrace-stop of this tracer is
     * detached whatever tfix's books say (PTRACE_DETACH works from any ptrace-stop). A thread still running traced
     * after that is let go by the kernel when the tracer thread ends ({@link PtraceThread#close}).
     */
    void releaseAll() {
        long deadline = System.nanoTime() + RELEASE_TIME.toNanos();
        for (int round = 0; round < 4; round++) {
            adoptUnknownThreads();
            long left = deadline - System.nanoTime();
            if (tracee.threads.isEmpty() || left <= 0) {
                break;
            }
            releaseRound(Duration.ofNanos(Math.max(left, MIN_STOP.toNanos())));
        }
        tracee.threads.clear();
        tracee.frozen = false;
        detachStrays();
    }

    /** Stops every thread it can within {@code timeout} and detaches those stopped; forgets every thread. */
    private void releaseRound(Duration timeout) {
        try {
            tracee.stopAll(timeout);
        } catch (TfixException e) {
            // Detach what is stopped; the next round, or detachStrays, sees to the rest.
        }
        if (tracee.hold != null) {
            tracee.hold.release(); // every thread is stopped: none is on its way to the trap
        }
        for (TracedThread t : new ArrayList<>(tracee.threads.values())) {
            if (!t.stopped) {
                continue;
            }
            try {
                if (t.interruptStop && !t.groupStop) {
                    tracee.undoStopEintr(t);
                }
                ptrace.detach(t.tid, t.groupStop ? 0 : t.pendingSignal);
                t.released();
            } catch (SyscallException e) {
                if (e.errno() != Errno.ESRCH) {
                    throw e;
                }
            }
        }
        tracee.threads.clear();
        tracee.frozen = false;
    }

    /**
     * The last word: /proc, not tfix's books, says which threads are still in a ptrace-stop of this tracer; each
     * is detached from that stop, a signal on its way passed on. Errors are passed over: nothing else can be done.
     */
    private void detachStrays() {
        int self = ptrace.tracerTid();
        for (int tid : process.threadIds()) {
            boolean ours = ProcStatus.ofTask(process.pid(), tid).map(s -> s.state() == 't' && s.tracerPid() == self)
                    .orElse(false);
            if (!ours) {
                continue;
            }
            try {
                WaitStatus ws = StrayStops.remade(tid, ptrace.siginfo(tid));
                ptrace.detach(tid, ws.signalDelivery() ? ws.stopSignal() : 0);
            } catch (SyscallException e) {
                // gone meanwhile, or held by PTRACE_LISTEN (job control): the tracer's end lets it go
            }
        }
    }
}
