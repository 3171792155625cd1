package tfix.engine.remote;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import tfix.engine.TfixException;
import tfix.engine.elf.LoadedModule;
import tfix.engine.elf.ProcessSymbols;
import tfix.engine.elf.Symbol;
import tfix.engine.process.MemoryMap;
import tfix.engine.process.ThreadSyscall;
import tfix.engine.ptrace.ProcMemory;
import tfix.engine.ptrace.Registers;
import tfix.engine.ptrace.SyscallRestart;
import tfix.engine.ptrace.Tracee;

/**
 * Calls functions inside the target on one hijacked thread while the other threads
 * keep running. Arguments are integers or byte buffers (copied onto the thread's
 * stack, below its red zone). See {@link CallStub} for why this survives tfix dying.
 */
public final class RemoteCaller {
    private static final long RED_ZONE = 128;
    /** Stack a callee such as dlopen may use below the call frame. */
    private static final long STACK_HEADROOM = 64 * 1024;
    private static final long EFLAGS_TF = 0x100, EFLAGS_DF = 0x400;
    /** System calls a thread waits in without holding libc's locks: the safest to borrow. */
    private static final Set<Long> QUIET_SYSCALLS = Set.of(0L, 7L, 23L, 34L, 35L, 43L, 45L, 47L, 61L, 128L, 130L,
            219L, 230L, 232L, 270L, 271L, 281L, 288L, 441L);
    /** PF_IO_WORKER in /proc/.../stat flags: an io_uring worker, which never runs user code. */
    private static final long PF_IO_WORKER = 0x10;

    private final Tracee tracee;
    private final ProcMemory memory;
    private final ProcessSymbols symbols;
    private final CallStub stub = new CallStub();
    private final Duration timeout;
    private final java.util.function.BooleanSupplier cancelled;
    private StubSite site;
    private int xsaveSize;
    private tfix.engine.process.Maps maps;

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
        byte[] z = new byte[b.length + 1];
        System.arraycopy(b, 0, z, 0, b.length);
        return new Buffer(z);
    }

    public RemoteCaller(Tracee tracee, ProcMemory memory, ProcessSymbols symbols, Duration timeout) {
        this(tracee, memory, symbols, timeout, () -> false);
    }

    /** {@code cancelled}: polled while waiting for a call; when it turns true tfix stops waiting. */
    public RemoteCaller(Tracee tracee, ProcMemory memory, ProcessSymbols symbols, Duration timeout,
                        java.util.function.BooleanSupplier cancelled) {
        this.cancelled = cancelled;
        this.tracee = tracee;
        this.memory = memory;
        this.symbols = symbols;
        this.timeout = timeout;
    }

    /** The address of an exported libc function, by its default version. */
    public long libcFunction(String name) {
        return libcSymbol(name).orElseThrow(() -> new TfixException("libc of process " + tracee.pid() + " has no " + name));
    }

    public Optional<Long> libcSymbol(String name) {
        for (LoadedModule m : symbols.modules()) {
            if (!m.fileName().startsWith("libc.so") && !m.fileName().startsWith("libc-")) {
                continue;
            }
            Optional<Symbol> s = m.named(name).stream()
                    .filter(Symbol::isFunction)
                    .min(Comparator.comparingInt(sym -> sym.name().contains("@@") || !sym.name().contains("@") ? 0 : 1));
            if (s.isPresent()) {
                return Optional.of(m.runtimeAddress(s.get()));
            }
        }
        return Optional.empty();
    }

    /** Calls {@code function(args...)} in the target and returns its rax. */
    public long call(String what, long function, Arg... args) {
        if (site == null) {
            site = StubSite.find(symbols.modules(), stub.size());
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> why = new ArrayList<>();
        // Threads move between calls: a round that finds none fit is tried again for a while.
        while (true) {
            why.clear();
            for (int tid : candidateThreads()) {
                try {
                    return callIn(tid, what, function, args);
                } catch (Tracee.ThreadExitedException e) {
                    // A short-lived thread ended before it could be borrowed: take the next one.
                } catch (Unsuitable e) {
                    why.add("thread " + tid + ": " + e.getMessage());
                }
            }
            if (!tracee.process().alive()) {
                throw new TfixException("process " + tracee.pid() + " exited before it could run " + what);
            }
            if (System.nanoTime() > deadline || cancelled.getAsBoolean()) {
                throw new TfixException("no thread of process " + tracee.pid() + " could safely run " + what
                        + (why.isEmpty() ? "" : " (" + String.join("; ", why) + ")"));
            }
            java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
        }
    }

    /** This thread must not be borrowed now; another may. */
    static final class Unsuitable extends RuntimeException {
        Unsuitable(String why) {
            super(why, null, false, false);
        }
    }

    private long callIn(int tid, String what, long function, Arg... args) {
        Registers regs = stopOutsideStub(tid);
        Registers resume;
        long frame;
        try {
            resume = prepareFrame(tid, regs, what, function, args);
            frame = regs.rsp() - CallStub.FRAME_DISTANCE;
            tracee.setRegisters(tid, regs.with(Registers.RIP, site.address())
                    .with(Registers.RSP, (frame - 64) & ~15L)
                    .with(Registers.RBX, frame)
                    .with(Registers.ORIG_RAX, -1)
                    .with(Registers.RAX, 0)
                    .with(Registers.EFLAGS, regs.get(Registers.EFLAGS) & ~(EFLAGS_TF | EFLAGS_DF)));
        } catch (RuntimeException e) {
            tracee.resumeThread(tid); // untouched: let it run on
            throw e;
        }
        int signalsBefore = tracee.signalsPassed(tid);
        long marker = site.address() + stub.markerOffset() + 2;
        Registers atMarker = tracee.runToSyscall(tid,
                r -> r.rip() == marker && r.origRax() == CallStub.SYS_GETPID, timeout, cancelled);
        if (atMarker == null) {
            throw new TfixException(what + (cancelled.getAsBoolean() ? " was cancelled" : " did not return within "
                    + timeout.toSeconds() + " s") + " in thread " + tid + "; nothing was changed. The thread runs the"
                    + " call to its end and then carries on, unless the call waits for a lock the thread itself holds");
        }
        if (tracee.signalsPassed(tid) != signalsBefore && resume.rip() != regs.rip()) {
            interruptedBySignal(frame, regs);
        }
        tracee.resumeThread(tid);
        return atMarker.get(Registers.RDI);
    }

    /**
     * A handler ran while the thread was borrowed: a call the kernel restarts only when no
     * handler runs (ERESTARTNOHAND, or restart_syscall, whose state the handler's return reset)
     * must now fail with EINTR, as it would have without tfix.
     */
    private void interruptedBySignal(long frame, Registers original) {
        long rax = original.rax();
        if (rax == -514 || rax == -516 || rax == -4) {
            ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            memory.write(frame + CallStub.frameOffset(Registers.RIP), b.putLong(0, original.rip()).array().clone());
            memory.write(frame + CallStub.frameOffset(Registers.RAX), b.putLong(0, -4).array().clone());
        }
    }

    /** Checks the thread can lend its stack, writes the call's frame and arguments; returns the resume state. */
    private Registers prepareFrame(int tid, Registers regs, String what, long function, Arg... args) {
        if (regs.origRax() < 0 && inRuntime(regs.rip())) {
            throw new Unsuitable("running inside libc or the dynamic loader, where it may hold a lock " + what + " needs");
        }
        if (SyscallRestart.signalPending(tracee.pid(), tid)) {
            throw new Unsuitable("a signal is pending for it");
        }
        if (xsaveSize == 0) {
            xsaveSize = tracee.ptrace().xstateSize(tid);
        }
        Registers resume = resumeState(tid, regs);

        // The borrowed stack, top down: red zone | buffers | xsave area | ... | frame | stub's own stack.
        long frame = regs.rsp() - CallStub.FRAME_DISTANCE;
        long cursor = regs.rsp() - RED_ZONE;
        long stubRsp = (frame - 64) & ~15L;
        checkStackRoom(tid, regs.rsp(), stubRsp);
        long[] values = new long[args.length];
        for (int i = 0; i < args.length; i++) {
            if (args[i] instanceof Value v) {
                values[i] = v.value();
            } else if (args[i] instanceof Buffer b) {
                cursor = (cursor - b.bytes().length) & ~15L;
                values[i] = cursor;
                memory.write(cursor, b.bytes());
            }
        }
        long xsaveBase = (cursor - xsaveSize) & ~63L;
        if (xsaveBase < frame + CallStub.FRAME_SIZE) {
            throw new TfixException("the arguments of " + what + " do not fit in tfix's call frame");
        }
        memory.write(xsaveBase, new byte[xsaveSize]);
        memory.write(frame, stub.frame(function, values, xsaveBase, resume));
        installStub();
        return resume;
    }

    /** Code of libc or the dynamic loader: a thread interrupted there may hold one of their locks. */
    private boolean inRuntime(long rip) {
        return symbols.moduleAt(rip).map(m -> m.fileName().startsWith("libc.so") || m.fileName().startsWith("libc-")
                || m.fileName().startsWith("ld-linux") || m.fileName().startsWith("libpthread")).orElse(false);
    }

    /** Reads a NUL-terminated string from the target. */
    public String readString(long address, int max) {
        StringBuilder sb = new StringBuilder();
        for (int off = 0; off < max; off += 256) {
            byte[] b = memory.read(address + off, 256);
            for (int i = 0; i < b.length; i++) {
                if (b[i] == 0) {
                    sb.append(new String(b, 0, i, StandardCharsets.UTF_8));
                    return sb.toString();
                }
            }
            sb.append(new String(b, StandardCharsets.UTF_8));
        }
        return sb.toString();
    }

    /**
     * Threads to borrow, best first: one parked in a quiet system call (read, poll,
     * nanosleep, accept...), which holds no libc lock a callee might need; then one
     * running user code; then one waiting on a futex. Within each kind another thread
     * before the main one, which is often the latency-sensitive event loop.
     */
    private List<Integer> candidateThreads() {
        List<int[]> scored = new ArrayList<>();
        for (int tid : tracee.threadIds()) {
            ThreadSyscall sc = ThreadSyscall.read(tracee.pid(), tid).orElse(null);
            if (sc == null || ioWorker(tid)) {
                continue;
            }
            int score = sc.blockedInSyscall() ? (QUIET_SYSCALLS.contains(sc.number()) ? 3 : 1) : 2;
            if (site != null && site.contains(sc.instructionPointer())) {
                score = 0;
            }
            scored.add(new int[] {tid, score * 2 + (tid == tracee.pid() ? 0 : 1)});
        }
        scored.sort((a, b) -> Integer.compare(b[1], a[1]));
        return scored.stream().map(a -> a[0]).toList();
    }

    private boolean ioWorker(int tid) {
        try {
            String stat = java.nio.file.Files.readString(tracee.process().proc().resolve("task")
                    .resolve(Integer.toString(tid)).resolve("stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[6]) & PF_IO_WORKER) != 0;
        } catch (Exception e) {
            return false;
        }
    }

    /**
     * Stops the thread in an interrupt stop (not half-way through a clone or a signal)
     * and outside the stub's epilogue from an earlier call.
     */
    private Registers stopOutsideStub(int tid) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pause = 10_000;
        while (true) {
            tracee.stopThread(tid, timeout);
            if (tracee.inGroupStop(tid)) {
                tracee.resumeThread(tid); // back to its job-control stop
                throw new TfixException("process " + tracee.pid() + " is stopped by a signal (state T): it cannot load"
                        + " the patch until it runs again (kill -CONT " + tracee.pid() + ")");
            }
            Registers regs = tracee.registers(tid);
            if (tracee.inInterruptStop(tid) && !site.contains(regs.rip())) {
                return regs;
            }
            tracee.resumeThread(tid);
            if (System.nanoTime() > deadline) {
                throw new TfixException("thread " + tid + " did not leave tfix's call stub within "
                        + timeout.toSeconds() + " s");
            }
            // Give it time to be scheduled: on a busy machine a resumed thread may wait for a CPU.
            java.util.concurrent.locks.LockSupport.parkNanos(pause);
            pause = Math.min(pause * 2, 1_000_000);
        }
    }

    /** The registers the thread must carry on with: an interrupted system call is issued again, as the kernel would. */
    private Registers resumeState(int tid, Registers regs) {
        Optional<Registers> again = SyscallRestart.reissue(regs,
                regs.rax() == -4 && SyscallRestart.signalPending(tracee.pid(), tid));
        if (again.isEmpty()) {
            return regs;
        }
        byte[] insn = memory.read(regs.rip() - 2, 2);
        boolean syscallInsn = (insn[0] == 0x0f && (insn[1] == 0x05 || insn[1] == 0x34))
                || ((insn[0] & 0xff) == 0xcd && (insn[1] & 0xff) == 0x80);
        if (!syscallInsn) {
            throw new TfixException("thread " + tid + " stopped in a system call tfix cannot restart; try again");
        }
        return again.get();
    }

    private void checkStackRoom(int tid, long rsp, long stubRsp) {
        // Stacks rarely move: the maps read for an earlier call usually still say where this one is.
        Optional<MemoryMap> known = maps == null ? Optional.empty() : maps.find(rsp);
        if (known.isEmpty()) {
            maps = tracee.process().maps();
            known = maps.find(rsp);
        }
        MemoryMap stack = known.orElseThrow(() -> new Unsuitable(String.format("its stack pointer %#x is not in mapped memory", rsp)));
        if (stack.path().equals("[heap]") || stack.isFile()) {
            // A coroutine's stack inside the heap or a file: its real bounds are unknown.
            throw new Unsuitable("its stack is inside " + stack.path());
        }
        boolean growsDown = stack.path().equals("[stack]"); // the main stack grows on demand
        if (!growsDown && stubRsp - STACK_HEADROOM < stack.start()) {
            throw new Unsuitable("too little stack left (" + (stubRsp - stack.start()) + " bytes)");
        }
    }

    /**
     * Writes the stub's code if the spare bytes do not hold it yet. The code never
     * changes, so writing it while an orphaned call (of a killed tfix) runs it is harmless.
     * It stays after tfix detaches: a thread of a killed tfix run may still be inside a call
     * that returns to it, and nothing else refers to those bytes.
     */
    private void installStub() {
        byte[] code = stub.code();
        if (!java.util.Arrays.equals(memory.read(site.address(), code.length), code)) {
            memory.write(site.address(), code);
        }
    }

    public Optional<StubSite> site() {
        return Optional.ofNullable(site);
    }
}
