package tfix.engine.ptrace;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

import tfix.engine.failure.TfixException;
import tfix.engine.process.ProcStatus;
import tfix.engine.process.TargetProcess;
import tfix.engine.sys.Errno;
import tfix.engine.sys.SyscallException;

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
    private boolean frozen;
    private boolean exited;

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

    /** The size of a thread's XSAVE area. */
    public int xstateSize(int tid) {
        requireTracerThread();
        return ptrace.xstateSize(tid);
    }

    public boolean exited() {
        return exited;
    }

    void markExited() {
        exited = true;
    }

    public List<Integer> threadIds() {
        return new ArrayList<>(threads.keySet());
    }

    public int threadCount() {
        return threads.size();
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
        t.interruptStop = ws.eventStop() && !ws.groupStop();
        if (ws.event() == WaitStatus.EVENT_CLONE) {
            int child = (int) ptrace.eventMessage(t.tid);
            if (!threads.containsKey(child)) {
                newThread(child);
            }
        } else if (ws.signalDelivery()) {
            t.pendingSignal = ws.stopSignal();
        } else if (ws.groupStop()) {
            t.groupStop = true;
        }
        if (t.wantRunning) {
            resume(t);
        }
    }

    TracedThread newThread(int tid) {
        TracedThread t = new TracedThread(tid);
        t.wantRunning = !frozen;
        threads.put(tid, t);
        return t;
    }

    private void resume(TracedThread t) {
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
            t.running();
        } catch (SyscallException e) {
            if (e.errno() != Errno.ESRCH) {
                throw e;
            }
            threads.remove(t.tid); // died while stopped (SIGKILL)
        }
    }

    /**
     * A call such as epoll_wait answers -EINTR when its thread is stopped, even with no
     * signal: the program must not see that, so the call is issued again.
     */
    void undoStopEintr(TracedThread t) {
        Registers regs = t.registers != null ? t.registers : ptrace.getRegisters(t.tid);
        if (regs.origRax() >= 0 && SyscallRestart.interrupted(regs.rax()) && t.pendingSignal == 0
                && !ProcStatus.signalPending(process.pid(), t.tid)) {
            SyscallRestart.reissue(regs, false).ifPresent(r -> ptrace.setRegisters(t.tid, r));
        }
    }

    /**
     * Stops every thread and waits until all are in a ptrace-stop. Returns the nanoTime
     * at which the first thread was asked to stop, so callers can report the freeze.
     */
    public long stopAll(Duration timeout) {
        requireTracerThread();
        frozen = true;
        long started = System.nanoTime();
        for (TracedThread t : threads.values()) {
            t.wantRunning = false;
        }
        for (TracedThread t : new ArrayList<>(threads.values())) {
            requestStop(t);
        }
        awaitStopped(threads.values(), timeout);
        return started;
    }

    private void requestStop(TracedThread t) {
        if (t.stopped) {
            return;
        }
        try {
            ptrace.interrupt(t.tid);
        } catch (SyscallException e) {
            if (e.errno() != Errno.ESRCH) {
                throw e;
            }
        }
    }

    /** Stops one thread only; the others keep running. */
    public void stopThread(int tid, Duration timeout) {
        requireTracerThread();
        TracedThread t = thread(tid);
        t.wantRunning = false;
        requestStop(t);
        try {
            awaitStopped(List.of(t), timeout);
        } catch (TfixException e) {
            t.wantRunning = true; // its interrupt may still come: let the pump resume it then
            throw e;
        }
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

    /** How many signals runToSyscall passed on to the thread so far. */
    public int signalsPassed(int tid) {
        return thread(tid).signalsPassed;
    }

    /** Whether the thread is held by job control (SIGSTOP, SIGTSTP...): tfix must not run it. */
    public boolean inGroupStop(int tid) {
        TracedThread t = thread(tid);
        return t.stopped && t.groupStop;
    }

    private void awaitStopped(Collection<TracedThread> which, Duration timeout) {
        new StopWait(this, which == threads.values() ? null : which).await(timeout);
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
        return new SyscallRun(this, requireStopped(tid)).until(accept, timeout, cancelled);
    }

    /** Detaches from every thread, passing on pending signals. The process runs on untraced. */
    public void detach() {
        requireTracerThread();
        new Seizer(this).releaseAll();
    }

    void thawed() {
        frozen = false;
    }
}
