package tfix.engine.remote;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;
import java.util.function.ObjIntConsumer;

import tfix.engine.elf.ProcessSymbols;
import tfix.engine.process.ProcMemory;
import tfix.engine.ptrace.Registers;
import tfix.engine.ptrace.ThreadExitedException;
import tfix.engine.ptrace.Tracee;
import tfix.engine.timing.Phases;

/**
 * Calls functions inside the target on one borrowed thread while the other threads
 * keep running. Arguments are integers or byte buffers (copied onto the thread's
 * stack, below its red zone). See {@link CallStub} for why this survives tfix dying.
 * Its calls run on the tracer thread, whichever thread asks.
 */
public final class RemoteCaller implements FunctionCalls {
    private static final long EFLAGS_TF = 0x100, EFLAGS_DF = 0x400;

    private final Tracee tracee;
    private final ProcMemory memory;
    private final ProcessSymbols symbols;
    private final CallStub stub = new CallStub();
    private final CallFrame frames;
    private final StubExit exits;
    private final CallArea area;
    private final RawSyscall raw;
    private final MemfdMapping mapping;
    private final ThreadChooser chooser;
    private final BorrowRounds rounds;
    private final Duration timeout;
    private final BooleanSupplier cancelled;
    private StubSite site;
    private final ErrnoSlot errno = new ErrnoSlot();
    private long lastFsBase;
    /**
     * How a thread that ran the memfd chain is let go through the raw block's tail. Tests replace it to hold the
     * thread there (stopped before its first instruction of the tail), which makes a later write of the block
     * while a thread is still in it certain instead of rare.
     */
    ObjIntConsumer<Tracee> sendBack = Tracee::resumeThread;

    /** An argument: a plain value, or bytes the callee gets a pointer to. */
    public sealed interface Arg permits Value, Buffer {
    }

    public record Value(long value) implements Arg {
    }

    public record Buffer(byte[] bytes) implements Arg {
    }

    public static Arg value(long v) {
        return new Value(v);
    }

    public static Arg string(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return new Buffer(Arrays.copyOf(b, b.length + 1));
    }

    /**
     * {@code cancelled}: polled while waiting for a call; when it turns true tfix stops waiting.
     * {@code area}: where calls run, one per session, handed to each of its callers.
     */
    public RemoteCaller(Tracee tracee, ProcMemory memory, ProcessSymbols symbols, Duration timeout, BooleanSupplier cancelled,
                        CallArea area) {
        this.tracee = tracee;
        this.memory = memory;
        this.symbols = symbols;
        this.timeout = timeout;
        this.cancelled = cancelled;
        this.area = area;
        this.frames = new CallFrame(tracee, memory, stub, this.area);
        this.raw = new RawSyscall(tracee, memory, timeout, cancelled);
        this.mapping = new MemfdMapping(tracee, memory, timeout, cancelled);
        this.exits = new StubExit(tracee, timeout, area);
        this.chooser = new ThreadChooser(tracee, symbols, memory);
        this.rounds = new BorrowRounds(tracee, chooser, timeout, cancelled);
    }

    public RemoteCaller(Tracee tracee, ProcMemory memory, ProcessSymbols symbols, Duration timeout) {
        this(tracee, memory, symbols, timeout, () -> false, new CallArea());
    }

    @Override
    public ProcessSymbols symbols() {
        return symbols;
    }

    @Override
    public ProcMemory memory() {
        return memory;
    }

    @Override
    public int pid() {
        return tracee.pid();
    }

    /**
     * Calls {@code function(args...)} in the target and returns its rax. Runs on the tracer
     * thread. The callee may take libc's or the loader's locks, so no thread that may hold
     * one is borrowed.
     */
    @Override
    public long call(String what, long function, Arg... args) {
        return onSomeThread(what, tid -> callIn(tid, what, function, true, args));
    }

    /** The same for a callee that takes no lock (a system call's wrapper): any thread will do. */
    @Override
    public long callLockFree(String what, long function, Arg... args) {
        return onSomeThread(what, tid -> callIn(tid, what, function, false, args));
    }

    /**
     * memfd_create, ftruncate, mmap(0, length, prot, flags, fd, 0) and close on one borrowed thread in one go (see
     * {@link MemfdMapping}); any thread will do, as for a system call's wrapper.
     */
    @Override
    public Optional<MappedMemfd> memfdMapping(String name, int memfdFlags, long length, int prot, int flags) {
        return Optional.of(onSomeThread("making the memfd " + name, tid -> {
            Registers regs = exits.stopOutside(site, tid);
            try {
                Registers resume = borrow(tid, regs, "making the memfd " + name, false);
                return mapping.run(site.address() + rawBlockOffset(), area.frame(), tid, regs, resume, name, memfdFlags,
                        length, prot, flags);
            } finally {
                sendBack.accept(tracee, tid); // back through the block: it runs on as it was
                area.leaving(tid); // the block is written anew by a later call: not before this thread left it
            }
        }));
    }

    /**
     * Runs {@code work} on the first thread it suits (see {@link BorrowRounds}). What a call needs once per session (the
     * stub's place, errno's) is found first, off the tracer thread.
     */
    private <T> T onSomeThread(String what, IntFunction<T> work) {
        try (Phases.Span timed = Phases.start("  remote calls (each)")) {
            if (site == null) {
                site = StubSite.find(symbols.modules(), rawBlockOffset() + RawSyscall.BLOCK);
            }
            errno.learn(this);
            return rounds.run(what, site, work);
        }
    }

    /**
     * Makes the stopped thread {@code tid} ready to run a call: suitable, the stub installed, the call area mapped,
     * the last call's thread out of its frame. Returns the registers it carries on with afterwards.
     */
    private Registers borrow(int tid, Registers regs, String what, boolean takesLocks) {
        String unsuitable = chooser.unsuitable(tid, regs, what, takesLocks);
        if (unsuitable != null) {
            throw new CallUnsuitable(unsuitable);
        }
        Registers resume = frames.resumeState(tid, regs);
        awaitLeft(tid); // before anything in the stub's bytes is written again
        stub.installAt(memory, site.address());
        if (!area.mapped()) {
            raw.mapArea(area, site.address() + rawBlockOffset(), tid, regs, resume);
        }
        return resume;
    }

    /** The fs base (thread pointer) of the thread that ran the last call. */
    long lastFsBase() {
        return lastFsBase;
    }

    private long callIn(int tid, String what, long function, boolean takesLocks, Arg... args) {
        Registers regs = exits.stopOutside(site, tid);
        CallFrame.Placed placed;
        ErrnoSlot.Saved savedErrno;
        int signal;
        try {
            Registers resume = borrow(tid, regs, what, takesLocks);
            signal = SignalEnd.choose(tracee.pid(), tid);
            placed = frames.write(tid, resume, what, function, signal, args);
            savedErrno = errno.save(memory, regs);
            enterStub(tid, regs);
        } catch (RuntimeException e) {
            tracee.resumeThread(tid); // untouched, or back through the raw block: it runs on as it was
            throw e;
        }
        int signalsBefore = tracee.signalsPassed(tid).size();
        Registers atMarker = awaitEnd(tid, what, signal);
        List<Integer> signals = tracee.signalsPassed(tid);
        signals = signals.subList(signalsBefore, signals.size());
        if (!signals.isEmpty() && placed.resume().rip() != regs.rip() && new InterruptedCall(this, tid, regs,
                placed.resume()).failsAfter(signals)) {
            frames.endWithEintr(regs);
        }
        if (savedErrno != null) {
            savedErrno.restore(memory);
        }
        lastFsBase = atMarker.get(Registers.FS_BASE);
        area.leaving(tid);
        tracee.resumeThread(tid);
        if (tracee.stoppedByJobControlMeanwhile(tid) && exits.backIntoJobControlStop(site, tid)) {
            area.leaving(-1);
        }
        return atMarker.get(Registers.R12);
    }

    /**
     * Calls {@code function} again on a thread held at the marker of a call it just made,
     * before it carries on: its frame is written anew with the same registers to return to,
     * so a tfix killed meanwhile still leaves it to finish and carry on.
     */
    CallReturned callAgain(int tid, Registers original, Registers resume, String what, long function, Arg... args) {
        int signal = SignalEnd.choose(tracee.pid(), tid);
        CallFrame.Placed placed = frames.write(tid, resume, what, function, signal, args);
        enterStub(tid, original);
        return new CallReturned(awaitEnd(tid, what, signal).get(Registers.R12), placed.arguments());
    }

    /**
     * Unmaps the call area, on any thread that can take a raw system call; called once the
     * last call has returned (no thread runs in the area then). Best effort: a process going
     * away takes the area with it.
     */
    @Override
    public void releaseArea() {
        tracee.onTracer(() -> {
            if (!area.mapped() || site == null) {
                return null;
            }
            try {
                awaitLeft(-1);
            } catch (RuntimeException e) {
                area.abandoned(); // a thread may still be on its way out of it: leave it mapped
                return null;
            }
            for (int tid : chooser.candidates(site)) {
                try {
                    Registers regs = exits.stopOutside(site, tid);
                    try {
                        raw.unmapArea(area, site.address() + rawBlockOffset(), tid, regs, frames.resumeState(tid, regs));
                        return null;
                    } finally {
                        tracee.resumeThread(tid);
                    }
                } catch (RuntimeException e) {
                    // another thread may do
                }
            }
            return null;
        });
    }

    /**
     * Every call shares the area's one frame: before it is written again, the thread of the
     * last call must have left the stub (it reads the frame on its way back). {@code tid}:
     * the thread about to be borrowed, already stopped outside the stub.
     */
    private void awaitLeft(int tid) {
        int other = area.leaving();
        area.leaving(-1);
        if (other < 0 || other == tid || !tracee.threadIds().contains(other) || site == null) {
            return;
        }
        try {
            exits.stopOutside(site, other);
            tracee.resumeThread(other);
        } catch (ThreadExitedException e) {
            // gone: nothing left to read the frame
        }
    }

    private int rawBlockOffset() {
        return (stub.size() + 15) & ~15;
    }

    private void enterStub(int tid, Registers regs) {
        tracee.setRegisters(tid, regs.with(Registers.RIP, site.address())
                .with(Registers.RSP, area.stackTop())
                .with(Registers.RBX, area.frame())
                .with(Registers.ORIG_RAX, -1)
                .with(Registers.RAX, 0)
                .with(Registers.EFLAGS, regs.get(Registers.EFLAGS) & ~(EFLAGS_TF | EFLAGS_DF)));
    }

    /** Waits for the call's end: its own signal's stop ({@code signal}), or the marker's system call (0). */
    private Registers awaitEnd(int tid, String what, int signal) {
        Registers atMarker = signal != 0
                ? MarkerWait.awaitSignal(tracee, tid, signal, site.address() + stub.signalEndOffset(), timeout, cancelled)
                : MarkerWait.await(tracee, tid, site.address() + stub.markerOffset() + 2, timeout, cancelled);
        if (atMarker == null) {
            area.abandoned(); // the call runs on in the area: leave it to it (never unmapped under it); a later call maps another
            throw MarkerWait.leftRunning(tracee.pid(), tid, what, cancelled.getAsBoolean(), timeout);
        }
        return atMarker;
    }
}
