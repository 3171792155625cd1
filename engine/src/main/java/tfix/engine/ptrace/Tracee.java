package tfix.engine.ptrace;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

import tfix.engine.TfixException;
import tfix.engine.process.ProcStatus;
import tfix.engine.process.TargetProcess;
import tfix.engine.sys.Errno;
import tfix.engine.sys.SyscallException;

/**
 * A process whose threads tfix has seized. Threads keep running until tfix stops
 * them; signals that arrive meanwhile are passed on unchanged. Every method must be
 * called on the {@link PtraceThread} that created the tracee.
 */
public final class Tracee {
    private final TargetProcess process;
    private final Ptrace ptrace;
    private final PtraceThread owner;
    private final Map<Integer, TracedThread> threads = new TreeMap<>();
    private boolean frozen;
    private boolean exited;

    /** What tfix knows of one thread. */
    static final class TracedThread {
        final int tid;
        boolean stopped;
        boolean wantRunning = true;
        boolean groupStop;
        int pendingSignal;
        /** Stopped by PTRACE_INTERRUPT: the only stop in which a thread's registers may be borrowed. */
        boolean interruptStop;
        /** Registers read during this stop; cleared when the thread runs. */
        Registers registers;
        /** Signals passed on while the thread ran under runToSyscall (a handler ran). */
        int signalsPassed;

        TracedThread(int tid) {
            this.tid = tid;
        }
    }

    private Tracee(TargetProcess process, Ptrace ptrace, PtraceThread owner) {
        this.process = process;
        this.ptrace = ptrace;
        this.owner = owner;
    }

    /** Seizes every thread, including threads born while attaching. Threads keep running. */
    public static Tracee attach(TargetProcess process, Ptrace ptrace, PtraceThread owner) {
        checkAttachable(process.pid(), ptrace.tracerTid());
        Tracee t = new Tracee(process, ptrace, owner);
        try {
            t.seizeAll();
        } catch (RuntimeException e) {
            t.detach();
            throw e;
        }
        return t;
    }

    private static void checkAttachable(int pid, int self) {
        if (pid == ProcessHandle.current().pid()) {
            throw new TfixException("pid " + pid + " is tfix itself: give the pid of the process to patch");
        }
        ProcStatus st = ProcStatus.of(pid).orElseThrow(() -> new TfixException(
                "no process with pid " + pid + ": check the pid (ps -p " + pid + ")"));
        if (st.isZombie()) {
            throw new TfixException("process " + pid + " (" + st.name() + ") has exited (zombie): there is nothing left to patch");
        }
        if (kernelThread(pid)) {
            throw new TfixException("process " + pid + " (" + st.name() + ") is a kernel thread or has no memory of its own:"
                    + " there is no user code to patch");
        }
        if (shadowStack(pid)) {
            throw new TfixException("process " + pid + " (" + st.name() + ") runs with a CET shadow stack, which tfix's"
                    + " remote calls do not support yet: nothing was changed");
        }
        if (st.tracerPid() != 0 && st.tracerPid() != self) {
            throw new TfixException("process " + pid + " (" + st.name() + ") is already traced by "
                    + ProcStatus.describeTracer(st.tracerPid()) + ": detach that debugger or tracer first");
        }
    }

    /** PF_KTHREAD in /proc/PID/stat's flags: a kernel thread, readable by anyone. */
    private static boolean kernelThread(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[6]) & 0x00200000L) != 0;
        } catch (Exception e) {
            return false;
        }
    }

    /** Kernels with user shadow stacks list them in /proc/PID/status ("x86_Thread_features: shstk"). */
    private static boolean shadowStack(int pid) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc", Integer.toString(pid), "status"))) {
                if (l.startsWith("x86_Thread_features:") && l.contains("shstk")) {
                    return true;
                }
            }
        } catch (Exception e) {
            // Unreadable status: the checks that follow report the process's state.
        }
        return false;
    }

    private void seizeAll() {
        int self = ptrace.tracerTid();
        boolean grew = true;
        while (grew) {
            grew = false;
            List<Integer> tids = process.threadIds();
            if (tids.isEmpty()) {
                throw new TfixException("process " + process.pid() + " exited while tfix was attaching");
            }
            for (int tid : tids) {
                if (threads.containsKey(tid)) {
                    continue;
                }
                grew = true;
                Path status = process.proc().resolve("task").resolve(Integer.toString(tid)).resolve("status");
                int tracer = ProcStatus.read(status, tid).map(ProcStatus::tracerPid).orElse(-1);
                if (tracer == self) {
                    // Already ours: auto-attached as the clone of a seized thread.
                    threads.put(tid, new TracedThread(tid));
                    continue;
                }
                try {
                    ptrace.seize(tid);
                    threads.put(tid, new TracedThread(tid));
                } catch (SyscallException e) {
                    if (e.errno() == Errno.ESRCH || !Files.exists(status)) {
                        continue; // the thread ended meanwhile
                    }
                    if (e.errno() == Errno.EPERM) {
                        if (!process.alive()) {
                            throw new TfixException("process " + process.pid() + " exited while tfix was attaching");
                        }
                        if (ProcStatus.read(status, tid).map(ProcStatus::isZombie).orElse(true)) {
                            continue; // this thread is exiting
                        }
                        int now = ProcStatus.read(status, tid).map(ProcStatus::tracerPid).orElse(0);
                        if (now == self) {
                            threads.put(tid, new TracedThread(tid));
                            continue;
                        }
                        if (now != 0) {
                            throw new TfixException("process " + process.pid() + " is already traced by "
                                    + ProcStatus.describeTracer(now) + ": detach that debugger or tracer first");
                        }
                        throw new TfixException("permission denied attaching to process " + process.pid()
                                + ": run tfix as root or with CAP_SYS_PTRACE" + yamaHint());
                    }
                    throw e;
                }
            }
        }
    }

    private static String yamaHint() {
        Path yama = Path.of("/proc/sys/kernel/yama/ptrace_scope");
        try {
            if (Files.exists(yama)) {
                String v = Files.readString(yama).trim();
                return " (kernel.yama.ptrace_scope is " + v + "; 0 lets a user trace their own processes)";
            }
        } catch (Exception ignored) {
            // Only a hint.
        }
        return "";
    }

    public int pid() {
        return process.pid();
    }

    public TargetProcess process() {
        return process;
    }

    public Ptrace ptrace() {
        return ptrace;
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

    private void checkOwner() {
        if (!owner.isCurrent()) {
            throw new IllegalStateException("ptrace request off the tracer thread: the kernel would answer ESRCH");
        }
    }

    /** Handles whatever the threads reported since the last look, resuming those meant to run. */
    public void pump() {
        checkOwner();
        WaitStatus ws;
        while ((ws = ptrace.pollAny()) != null) {
            handle(ws);
        }
    }

    private TracedThread handle(WaitStatus ws) {
        TracedThread t = threads.get(ws.tid());
        if (t == null) {
            t = newThread(ws.tid());
        }
        if (ws.gone()) {
            threads.remove(ws.tid());
            if (threads.isEmpty() || ws.tid() == process.pid()) {
                exited = !process.alive();
            }
            return null;
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
        return t;
    }

    private TracedThread newThread(int tid) {
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
            t.pendingSignal = 0;
            t.stopped = false;
            t.interruptStop = false;
            t.registers = null;
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
    private void undoStopEintr(TracedThread t) {
        Registers regs = t.registers != null ? t.registers : ptrace.getRegisters(t.tid);
        if (regs.origRax() >= 0 && regs.rax() == SyscallRestart.EINTR && t.pendingSignal == 0
                && !SyscallRestart.signalPending(process.pid(), t.tid)) {
            SyscallRestart.reissue(regs, false).ifPresent(r -> ptrace.setRegisters(t.tid, r));
        }
    }

    /**
     * Stops every thread and waits until all are in a ptrace-stop. Returns the nanoTime
     * at which the first thread was asked to stop, so callers can report the freeze.
     */
    public long stopAll(Duration timeout) {
        checkOwner();
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
        checkOwner();
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

    private TracedThread thread(int tid) {
        TracedThread t = threads.get(tid);
        if (t == null) {
            throw new ThreadExitedException(tid, process.pid());
        }
        return t;
    }

    /** A thread that ended while tfix was using it; callers that can pick another thread do. */
    public static final class ThreadExitedException extends TfixException {
        public ThreadExitedException(int tid, int pid) {
            super("thread " + tid + " of process " + pid + " has exited");
        }
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
        long deadline = System.nanoTime() + timeout.toNanos();
        Backoff backoff = new Backoff();
        int rounds = 0;
        boolean everyThread = which == threads.values();
        while (true) {
            // One waitpid per event, whichever thread it is from: cheap with hundreds of threads.
            WaitStatus ws;
            while ((ws = ptrace.pollAny()) != null) {
                handle(ws);
                backoff = new Backoff();
            }
            boolean all = true;
            // Threads born meanwhile arrive stopped: when stopping everything, wait for them too.
            for (TracedThread t : everyThread ? threads.values() : which) {
                if (threads.containsKey(t.tid) && !t.stopped) {
                    all = false;
                    break;
                }
            }
            if (all) {
                return;
            }
            if (++rounds % 64 == 0 && dropExitedThreads(everyThread ? List.copyOf(threads.values()) : which)) {
                continue;
            }
            if (System.nanoTime() > deadline) {
                throw new TfixException("process " + process.pid() + " did not stop within " + timeout.toMillis()
                        + " ms: a thread may be in uninterruptible sleep (state D); try again");
            }
            backoff.pause();
        }
    }

    /**
     * A thread that is exiting never enters a ptrace-stop; /proc shows it as a zombie
     * (or not at all). Forgets such threads; fails when the whole process is gone.
     * Returns whether any thread was dropped.
     */
    private boolean dropExitedThreads(Collection<TracedThread> which) {
        if (!process.alive()) {
            exited = true;
            throw new TfixException("process " + process.pid() + " exited while tfix was working on it");
        }
        boolean dropped = false;
        for (TracedThread t : List.copyOf(which)) {
            if (t.stopped || !threads.containsKey(t.tid)) {
                continue;
            }
            Path status = process.proc().resolve("task").resolve(Integer.toString(t.tid)).resolve("status");
            if (ProcStatus.read(status, t.tid).map(ProcStatus::isZombie).orElse(true)) {
                threads.remove(t.tid);
                dropped = true;
            }
        }
        return dropped;
    }

    public void resumeAll() {
        checkOwner();
        frozen = false;
        for (TracedThread t : new ArrayList<>(threads.values())) {
            t.wantRunning = true;
            if (t.stopped) {
                resume(t);
            }
        }
    }

    public void resumeThread(int tid) {
        checkOwner();
        TracedThread t = thread(tid);
        t.wantRunning = true;
        if (t.stopped) {
            resume(t);
        }
    }

    public Registers registers(int tid) {
        checkOwner();
        TracedThread t = requireStopped(tid);
        if (t.registers == null) {
            t.registers = ptrace.getRegisters(tid);
        }
        return t.registers;
    }

    /** Sets a stopped thread's registers; it then carries on from them, as given. */
    public void setRegisters(int tid, Registers regs) {
        checkOwner();
        TracedThread t = requireStopped(tid);
        ptrace.setRegisters(tid, regs);
        t.registers = regs;
        t.interruptStop = false; // its registers are tfix's now: nothing to undo on resume
    }

    private TracedThread requireStopped(int tid) {
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
                                  java.util.function.BooleanSupplier cancelled) {
        checkOwner();
        TracedThread t = requireStopped(tid);
        long deadline = System.nanoTime() + timeout.toNanos();
        Backoff backoff = new Backoff();
        ptrace.syscall(tid, t.pendingSignal);
        t.pendingSignal = 0;
        t.stopped = false;
        t.registers = null;
        while (true) {
            WaitStatus ws = ptrace.pollAny();
            if (ws == null) {
                if (System.nanoTime() > deadline || cancelled.getAsBoolean()) {
                    t.wantRunning = true;
                    return null;
                }
                backoff.pause();
                continue;
            }
            backoff = new Backoff();
            if (ws.tid() != tid) {
                handle(ws); // another thread's signal or clone: pass it on now, not after the call
                continue;
            }
            if (ws.gone()) {
                handle(ws);
                if (exited) {
                    throw new TfixException("process " + process.pid() + " exited during a remote call");
                }
                throw new TfixException("thread " + tid + " of process " + process.pid() + " exited during a remote call");
            }
            t.stopped = true;
            t.interruptStop = false;
            t.registers = null;
            if (ws.syscallStop()) {
                Registers regs = ptrace.getRegisters(tid);
                if (accept.test(regs)) {
                    return regs;
                }
            } else if (ws.event() == WaitStatus.EVENT_CLONE) {
                newThread((int) ptrace.eventMessage(tid));
            } else if (ws.signalDelivery()) {
                t.pendingSignal = ws.stopSignal();
                t.signalsPassed++;
            }
            ptrace.syscall(tid, t.pendingSignal);
            t.pendingSignal = 0;
            t.stopped = false;
        }
    }

    /** Threads traced by this tracer that tfix has not heard of yet (clones whose event is pending). */
    private void adoptUnknownThreads() {
        int self = ptrace.tracerTid();
        for (int tid : process.threadIds()) {
            if (!threads.containsKey(tid)) {
                Path status = process.proc().resolve("task").resolve(Integer.toString(tid)).resolve("status");
                if (ProcStatus.read(status, tid).map(ProcStatus::tracerPid).orElse(0) == self) {
                    newThread(tid);
                }
            }
        }
    }

    /** Detaches from every thread, passing on pending signals. The process runs on untraced. */
    public void detach() {
        checkOwner();
        adoptUnknownThreads();
        if (threads.isEmpty()) {
            return;
        }
        try {
            stopAll(Duration.ofSeconds(5));
        } catch (TfixException e) {
            // Detach what is stopped; the kernel releases the rest when tfix exits.
        }
        for (TracedThread t : new ArrayList<>(threads.values())) {
            if (!t.stopped) {
                continue;
            }
            try {
                if (t.interruptStop && !t.groupStop) {
                    undoStopEintr(t);
                }
                ptrace.detach(t.tid, t.groupStop ? 0 : t.pendingSignal);
            } catch (SyscallException e) {
                if (e.errno() != Errno.ESRCH) {
                    throw e;
                }
            }
            threads.remove(t.tid);
        }
        threads.clear();
        frozen = false;
        // A clone born during the last stop is traced too: let it go as well.
        adoptUnknownThreads();
        if (!threads.isEmpty()) {
            detach();
        }
    }

    /** Busy-waits briefly, then parks with growing pauses: events arrive within microseconds. */
    static final class Backoff {
        private int round;

        void pause() {
            round++;
            if (round < 50) {
                Thread.onSpinWait();
            } else {
                long nanos = Math.min(1_000_000L, 10_000L << Math.min(10, (round - 50) / 20));
                LockSupport.parkNanos(nanos);
            }
        }
    }
}
