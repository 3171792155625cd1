package tfix.engine.remote;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import tfix.engine.elf.ProcessSymbols;
import tfix.engine.process.Maps;
import tfix.engine.process.ProcMemory;
import tfix.engine.process.ProcStatus;
import tfix.engine.process.TaskStat;
import tfix.engine.process.ThreadSyscall;
import tfix.engine.ptrace.Registers;
import tfix.engine.ptrace.Tracee;
import tfix.engine.sys.Syscalls;

/**
 * Which thread lends itself to a remote call. Decided from /proc before stopping any
 * thread, then checked again on the stopped thread's registers.
 */
final class ThreadChooser {
    private final Tracee tracee;
    private final ProcessSymbols symbols;

    private final LockHolders locks;
    /** The maps read for the current round, before any thread of it is stopped (null: read them when needed). */
    private volatile Maps roundMaps;

    ThreadChooser(Tracee tracee, ProcessSymbols symbols, ProcMemory memory) {
        this.tracee = tracee;
        this.symbols = symbols;
        this.locks = new LockHolders(symbols, memory);
    }

    /**
     * Threads to borrow, best first: one parked in a quiet system call (read, poll,
     * nanosleep, accept...), which holds no libc lock a callee might need; then one
     * running user code; then one waiting on a futex. Within each kind another thread
     * before the main one, which is often the latency-sensitive event loop. Threads
     * inside the stub ({@code stub}, may be null) come last.
     */
    List<Integer> candidates(StubSite stub) {
        return candidates(stub, tracee.threadIds());
    }

    /**
     * The same from the thread ids {@code tids}, off the tracer thread: reads /proc, the maps (kept for
     * {@link #unsuitable}) and the locking functions' places, so the tracer thread keeps listening meanwhile and
     * none of it happens while a thread is stopped.
     */
    List<Integer> rank(StubSite stub, List<Integer> tids) {
        locks.prepare();
        roundMaps = tracee.process().maps();
        return candidates(stub, tids);
    }

    private List<Integer> candidates(StubSite stub, List<Integer> tids) {
        record Scored(int tid, int score) {
        }
        List<Scored> scored = new ArrayList<>();
        for (int tid : tids) {
            ThreadSyscall sc = ThreadSyscall.read(tracee.pid(), tid).orElse(null);
            if (sc == null || TaskStat.ofTask(tracee.pid(), tid).map(TaskStat::ioWorker).orElse(false)) {
                continue; // gone, or an io_uring worker, which never runs user code
            }
            int score = sc.blockedInSyscall() ? (Syscalls.QUIET_WAITS.contains(sc.number()) ? 3 : 1) : 2;
            if (stub != null && stub.contains(sc.instructionPointer())) {
                score = 0;
            }
            scored.add(new Scored(tid, score * 2 + (tid == tracee.pid() ? 0 : 1)));
        }
        scored.sort(Comparator.comparingInt(Scored::score).reversed());
        return scored.stream().map(Scored::tid).toList();
    }

    /**
     * Why the stopped thread must not run {@code what} now, or null when it may.
     * {@code takesLocks}: the callee may take libc's or the loader's locks (dlopen does; a
     * plain system call wrapper does not).
     */
    String unsuitable(int tid, Registers regs, String what, boolean takesLocks) {
        if (regs.origRax() < 0 && inRuntime(regs.rip())) {
            return "running inside libc or the dynamic loader, where it may hold a lock " + what + " needs";
        }
        if (takesLocks) {
            Maps maps = roundMaps;
            if (maps == null || maps.find(regs.rsp()).isEmpty()) {
                maps = tracee.process().maps(); // a stack newer than the round's maps: never skip its scan
            }
            String holder = locks.heldBy(regs, maps);
            if (holder != null) {
                return "stopped inside " + holder + ", which may hold a lock " + what + " needs";
            }
        }
        if (ProcStatus.signalPending(tracee.pid(), tid)) {
            return "a signal is pending for it";
        }
        return null;
    }

    /** Code of libc or the dynamic loader: a thread interrupted there may hold one of their locks. */
    private boolean inRuntime(long rip) {
        return symbols.moduleAt(rip).map(m -> m.fileName().startsWith("libc.so") || m.fileName().startsWith("libc-")
                || m.fileName().startsWith("ld-linux") || m.fileName().startsWith("libpthread")).orElse(false);
    }
}
