package tfix.engine.ptrace;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

import tfix.engine.process.TargetProcess;
import tfix.engine.sys.Errno;
import tfix.engine.sys.SyscallException;
import tfix.engine.timing.Holds;

/**
 * A process whose threads tfix has seized. Threads keep running until tfix stops
 * them; signals that arrive meanwhile are passed on unchanged. Every method must be
 * called on the {@link PtraceThread} that created the tracee, and checks that it is.
 */
public final class Tracee {
    private final TargetProcess process;
    private final Ptrace ptrace;
    private final PtraceThread owner;
    final Map<Integer, TracedThread> threads = new TreeMap<>();
    boolean frozen;
    /** Set on the tracer thread, read by any. */
    volatile boolean exited;
    EntryHold hold; // a process caught at exec, held at its entry point (EntryRun)

    private Tracee(TargetProcess process, Ptrace ptrace, PtraceThread owner) {
        this.process = process;
        this.ptrace = ptrace;
        this.owner = owner;
    }

    /** Seizes every thread, including threads born while attaching. Threads keep running. */
    public static Tracee attach(TargetProcess process, Ptrace ptrace, PtraceThread owner) {
        AttachCheck.check(process.pid(), ptrace.tracerTid());
        Tracee t = new Tracee(process, ptrace, owner);
        try {
            new Seizer(t).seizeAll();
        } catch (RuntimeException e) {
            t.detach();
            throw e;
        }
        return t;
    }

    public int pid() {
        return process.pid();
    }

    public TargetProcess process() {
        return process;
    }

    Ptrace ptrace() {
        return ptrace;
    }

    /** Where the thread's struct rseq is, or 0. */
    public long rseqArea(int tid) {
        requireTracerThread();
        return ptrace.rseqArea(tid);
    }

    /** The size of a thread's XSAVE area. */
    public int xstateSize(int tid) {
        requireTracerThread();
        return ptrace.xstateSize(tid);
    }

    public boolean exited() {
        return exited;
    }

    public List<Integer> threadIds() {
        return new ArrayList<>(threads.keySet());
    }

    public int threadCount() {
        return threads.size();
    }

    /**
     * Runs {@code task} on the tracer thread (inline when already there) and waits for it.
     * Work that needs no ptrace (parsing, planning) belongs outside: meanwhile the tracer
     * thread answers the threads' stops, so a signal never waits for tfix's thinking.
     */
    public <T> T onTracer(Callable<T> task) {
        return owner.call(task);
    }

    /**
     * Raises the tracer thread's scheduling weight for the window in which the target is
     * stopped (the threads resumed compete with it for the CPU), and lowers it again after:
     * tfix's own work must not take the CPU from the target. Root only; harmless if refused.
     */
    public void boostWhileStopped(boolean on) {
        requireTracerThread();
        ptrace.boost(on);
    }

    /** Fails unless called on the tracer thread: any other thread's ptrace request gets ESRCH from the kernel. */
    public void requireTracerThread() {
        if (!owner.isCurrent()) {
            throw new IllegalStateException("ptrace request off the tracer thread: the kernel would answer ESRCH");
        }
    }

    /** Handles whatever the threads reported since the last look, resuming those meant to run. */
    public void pump() {
        requireTracerThread();
        WaitStatus ws;
        while ((ws = ptrace.pollAny()) != null) {
            handle(ws);
        }
    }

    void handle(WaitStatus ws) {
        TracedThread t = threads.get(ws.tid());
        if (t == null) {
            t = newThread(ws.tid());
        }
        if (ws.gone()) {
            threads.remove(ws.tid());
            if (threads.isEmpty() || ws.tid() == process.pid()) {
                exited = !process.alive();
            }
            return;
        }
        t.stopped = true;
        if (Holds.on()) {
            t.holding(ws.signalDelivery() ? "a signal's stop, passed on (during " + Holds.current() + ")"
                    : "a stop (during " + Holds.current() + ")");
        }
        t.interruptStop = ws.eventStop() && !ws.groupStop();
        if (ws.event() == WaitStatus.EVENT_CLONE) {
            int child = (int) ptrace.eventMessage(t.tid);
            if (!threads.containsKey(child)) {
                newThread(child);
            }
        } else if (ws.signalDelivery() && (hold == null || !hold.caught(this, t, ws))) {
            t.pendingSignal = ws.stopSignal();
            TracedEintr.atIgnoredSignal(ptrace, process.pid(), t);
        } else if (ws.groupStop()) {
            t.groupStop = true;
        }
        if (t.awaitingTrap && !t.interruptStop && !t.groupStop) {
            // Any other stop ends a pending interrupt: ask again while it is stopped, so the trap follows this one.
            StopWait.requestStop(ptrace, t, true);
            resume(t);
        } else if (t.wantRunning) {
            resume(t);
        }
    }

    TracedThread newThread(int tid) {
        TracedThread t = new TracedThread(tid);
        t.wantRunning = !frozen;
        threads.put(tid, t);
        return t;
    }

    void resume(TracedThread t) {
        try {
            if (t.interruptStop && !t.groupStop) {
                undoStopEintr(t);
            }
            if (t.groupStop) {
                // Someone stopped the process (job control): keep it stopped, as without tfix.
                ptrace.listen(t.tid);
                t.groupStop = false;
            } else {
                ptrace.cont(t.tid, t.pendingSignal);
            }
            t.released();
            t.running();
        } catch (SyscallException e) {
            if (e.errno() != Errno.ESRCH) {
                throw e;
            }
            threads.remove(t.tid); // died while stopped (SIGKILL)
        }
    }

    void undoStopEintr(TracedThread t) {
        TracedEintr.afterStop(ptrace, process.pid(), t);
    }

    /**
     * Stops every thread and waits until all are in a ptrace-stop. Returns the nanoTime
     * at which the first thread was asked to stop, so callers can report the freeze.
     */
    public long stopAll(Duration timeout) {
        requireTracerThread();
        return StopWait.stopAll(this, timeout);
    }

    /**
     * Stops one thread only, in an interrupt stop (or its job-control stop); the others keep
     * running. See {@link StopWait#stopOne}.
     */
    public void stopThread(int tid, Duration timeout) {
        requireTracerThread();
        StopWait.stopOne(this, thread(tid), timeout);
        thread(tid); // gone meanwhile: say so
    }

    TracedThread thread(int tid) {
        TracedThread t = threads.get(tid);
        if (t == null) {
            throw new ThreadExitedException(tid, process.pid());
        }
        return t;
    }

    /**
     * Whether the thread sits in a PTRACE_INTERRUPT stop. In other stops (a clone
     * event, a signal on its way) the thread is half-way through something the kernel
     * will finish on resume, and its registers must not be borrowed.
     */
    public boolean inInterruptStop(int tid) {
        TracedThread t = thread(tid);
        return t.stopped && t.interruptStop;
    }

    /** The signals runToSyscall passed on to the thread so far, in order. */
    public List<Integer> signalsPassed(int tid) {
        return List.copyOf(thread(tid).signalsPassed);
    }

    /** Whether job control stopped the process while the thread ran a call for tfix (then forgotten). */
    public boolean stoppedByJobControlMeanwhile(int tid) {
        TracedThread t = thread(tid);
        boolean missed = t.groupStopMissed;
        t.groupStopMissed = false;
        return missed;
    }

    /** Whether the thread is held by job control (SIGSTOP, SIGTSTP...): tfix must not run it. */
    public boolean inGroupStop(int tid) {
        TracedThread t = thread(tid);
        return t.stopped && t.groupStop;
    }

    public void resumeAll() {
        requireTracerThread();
        frozen = false;
        for (TracedThread t : new ArrayList<>(threads.values())) {
            t.wantRunning = true;
            if (t.stopped) {
                resume(t);
            }
        }
    }

    public void resumeThread(int tid) {
        requireTracerThread();
        TracedThread t = thread(tid);
        t.wantRunning = true;
        if (t.stopped) {
            resume(t);
        }
    }

    public Registers registers(int tid) {
        requireTracerThread();
        TracedThread t = requireStopped(tid);
        if (t.registers == null) {
            t.registers = ptrace.getRegisters(tid);
        }
        return t.registers;
    }

    /** Sets a stopped thread's registers; it then carries on from them, as given. */
    public void setRegisters(int tid, Registers regs) {
        requireTracerThread();
        TracedThread t = requireStopped(tid);
        ptrace.setRegisters(tid, regs);
        t.registers = regs;
        t.interruptStop = false; // its registers are tfix's now: nothing to undo on resume
    }

    TracedThread requireStopped(int tid) {
        TracedThread t = thread(tid);
        if (!t.stopped) {
            throw new IllegalStateException("thread " + tid + " is running");
        }
        return t;
    }

    /**
     * Lets a stopped thread run until a syscall stop for which {@code accept} holds,
     * passing on signals. Returns its registers there, still stopped; null on time-out
     * (the thread then keeps running and is left to finish on its own).
     */
    public Registers runToSyscall(int tid, Predicate<Registers> accept, Duration timeout,
                                  BooleanSupplier cancelled) {
        requireTracerThread();
        return new SyscallRun(this, requireStopped(tid), 0).until(accept, timeout, cancelled);
    }

    /**
     * The same under PTRACE_CONT (no stop at system calls), until the thread stops for the signal {@code sig} it
     * sent itself with tgkill at a place {@code accept} takes; that signal is not passed on. See {@link SyscallRun}.
     */
    public Registers runToOwnSignal(int tid, int sig, Predicate<Registers> accept, Duration timeout, BooleanSupplier cancelled) {
        requireTracerThread();
        return new SyscallRun(this, requireStopped(tid), sig).until(accept, timeout, cancelled);
    }

    /** Detaches from every thread, passing on pending signals. The process runs on untraced. */
    public void detach() {
        requireTracerThread();
        new Seizer(this).releaseAll();
    }
}
