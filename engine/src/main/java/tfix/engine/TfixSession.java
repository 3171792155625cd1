package tfix.engine;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.function.Function;

import tfix.engine.apply.Applier;
import tfix.engine.apply.Installer;
import tfix.engine.elf.ProcessSymbols;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.inspect.Inspector;
import tfix.engine.patch.PlanPrinter;
import tfix.engine.patch.Planner;
import tfix.engine.patch.ReplaceSpec;
import tfix.engine.patch.SitePlan;
import tfix.engine.prepare.Pins;
import tfix.engine.prepare.Prepared;
import tfix.engine.prepare.Preparer;
import tfix.engine.process.ProcMemory;
import tfix.engine.process.TargetProcess;
import tfix.engine.ptrace.Ptrace;
import tfix.engine.ptrace.PtraceThread;
import tfix.engine.ptrace.Tracee;
import tfix.engine.record.AppliedPatch;
import tfix.engine.record.PatchSelection;

/**
 * One attached process. Attaches and detaches, runs every operation on the process's own
 * ptrace thread, all or nothing, and hands the work to the layer that does it: the
 * {@link Preparer} plans, the {@link Installer} writes, the {@link Inspector} reads.
 */
public final class TfixSession implements AutoCloseable {
    /** Time limits: how long a remote call may run, how long to wait for threads to leave a site. */
    public record Options(Duration callTimeout, Duration threadTimeout) {
        public static Options defaults() {
            return new Options(Duration.ofSeconds(10), Duration.ofSeconds(2));
        }
    }

    private final TargetProcess process;
    private final Options options;
    private final PtraceThread thread;
    private final Tracee tracee;
    private final ProcMemory memory;
    private final Engine engine;
    private final Preparer preparer;
    private final AttachedTarget target;
    private boolean closed;
    private boolean stackCheck;
    private Consumer<String> warnings = w -> System.err.println("tfix: warning: " + w);
    /** Set from any thread (Ctrl-C in the REPL); waits give up, nothing half-done is left. */
    private volatile boolean cancelRequested;

    private TfixSession(TargetProcess process, Options options, PtraceThread thread, Tracee tracee, ProcMemory memory,
                        Engine engine) {
        this.process = process;
        this.options = options;
        this.thread = thread;
        this.tracee = tracee;
        this.memory = memory;
        this.engine = engine;
        this.target = new AttachedTarget(process, tracee, memory, engine, options.callTimeout(), () -> cancelRequested,
                w -> warnings.accept(w));
        this.preparer = new Preparer(process, memory, target, engine.elfCache(), engine.demangler(), engine.decoder(),
                engine.nat().libc().geteuid());
    }

    /** Seizes every thread of the process (they keep running) and reads its symbols. */
    public static TfixSession attach(int pid, Engine engine, Options options) {
        TargetProcess process = new TargetProcess(pid);
        boolean aliveAtStart = process.alive();
        PtraceThread thread = new PtraceThread(pid);
        try {
            return thread.call(() -> {
                // While the target is stopped, the threads tfix resumes compete with it for the CPU:
                // a high scheduling weight (root only; harmless if refused) keeps the resume loop short.
                engine.nat().libc().setpriority(0, engine.nat().gettid(), -15);
                Tracee tracee = Tracee.attach(process, new Ptrace(engine.nat()), thread);
                ProcMemory memory = null;
                try {
                    memory = new ProcMemory(pid);
                    TfixSession s = new TfixSession(process, options, thread, tracee, memory, engine);
                    thread.whileIdle(tracee::pump);
                    return s;
                } catch (RuntimeException e) {
                    tracee.detach();
                    if (memory != null) {
                        memory.close();
                    }
                    if (aliveAtStart && !process.alive()) {
                        throw new TfixException(Reason.PROCESS_GONE, "process " + pid + " exited while tfix was attaching", e);
                    }
                    throw e;
                }
            });
        } catch (RuntimeException e) {
            thread.close();
            throw e;
        }
    }

    /**
     * Asks the operation in progress to stop waiting (for threads to leave a site, for a
     * remote call): it fails with "cancelled" and leaves the target as it was. Any thread.
     */
    public void cancel() {
        cancelRequested = true;
    }

    private <T> T onTracer(Callable<T> task) {
        if (closed) {
            throw new TfixException(Reason.NOT_ATTACHED, "not attached: use `attach PID` first");
        }
        cancelRequested = false;
        return thread.call(() -> {
            if (tracee.exited()) {
                throw new TfixException(Reason.PROCESS_GONE, "process " + process.pid() + " has exited");
            }
            try {
                return task.call();
            } catch (RuntimeException e) {
                // Whatever failed, a target that died meanwhile is the cause worth telling.
                if (process.exitingOrGone()) {
                    throw new TfixException(Reason.PROCESS_GONE, "process " + process.pid()
                            + " exited while tfix was working on it", e);
                }
                throw e;
            }
        });
    }

    public int pid() {
        return process.pid();
    }

    public int threadCount() {
        return onTracer(tracee::threadCount);
    }

    public ProcessSymbols symbols() {
        return onTracer(target::symbols);
    }

    /** Replaces {@code oldName} (optionally in {@code library}) with {@code newName} from the patch library. */
    public Results.Replaced replace(String oldName, String library, String newName, Path patchFile) {
        return replace(new ReplaceSpec(oldName, library, newName, patchFile, null));
    }

    public Results.Replaced replace(ReplaceSpec spec) {
        return write(List.of(spec), false).get(0);
    }

    /**
     * Replaces several functions in one stop of the target, all or nothing: if any
     * site fails its checks, nothing is written. Reverted together by transaction id.
     */
    public List<Results.Replaced> transaction(List<ReplaceSpec> specs) {
        return specs.isEmpty() ? List.of() : write(specs, true);
    }

    /**
     * Plans without changing anything: no patch is loaded and nothing is written. A patch
     * not yet loaded is planned at a far address, so the plan shows the longest jump.
     */
    public List<SitePlan> plan(List<ReplaceSpec> specs) {
        return onTracer(() -> {
            List<SitePlan> plans = new ArrayList<>();
            for (ReplaceSpec spec : specs) {
                plans.add(preparer.prepare(spec, true).plan());
            }
            return plans;
        });
    }

    public String describe(SitePlan plan) {
        return new PlanPrinter(engine.decoder()).print(plan);
    }

    private List<Results.Replaced> write(List<ReplaceSpec> specs, boolean asTransaction) {
        return onTracer(() -> {
            preparer.startWrite();
            List<Prepared> ready = new ArrayList<>();
            new PreloadChecks(preparer, new Planner(engine.decoder()), this::applier).run(specs, asTransaction);
            for (ReplaceSpec spec : specs) {
                try {
                    ready.add(preparer.prepare(spec, false));
                } catch (TfixException e) {
                    throw asTransaction ? e.prefixed("transaction not applied, nothing was written: ") : e;
                }
            }
            List<Prepared> todo = ready.stream().filter(p -> !p.plan().alreadyApplied()).toList();
            Applier.Outcome written = todo.isEmpty() ? null : installer().install(todo, asTransaction);
            List<Results.Replaced> out = new ArrayList<>();
            for (Prepared p : ready) {
                boolean skip = p.plan().alreadyApplied();
                out.add(new Results.Replaced(p.plan(), skip, p.loaded(), p.loadMillis(),
                        skip ? 0 : written.freezeMillis(), skip ? null : written.phases()));
            }
            return out;
        });
    }

    /** Where warnings go (the journal could not be written...); standard error by default. */
    public void onWarning(Consumer<String> sink) {
        this.warnings = sink;
    }

    /** Also refuse to replace a function while any thread has it on its stack (waiting up to the thread time-out). */
    public void stackCheck(boolean on) {
        onTracer(() -> stackCheck = on);
    }

    /** Refuses to go on unless the executable (or the named library) has this GNU build-id. */
    public void expectBuildId(String library, String buildId) {
        onTracer(() -> {
            Pins.checkBuildId(target.symbols(), library, buildId, "this runbook was written for another build of it");
            return null;
        });
    }

    /** Runs a read-only view of the process (disas, symbols, maps, threads, peek) on the tracer thread. */
    public <T> T inspect(Function<Inspector, T> view) {
        return onTracer(() -> view.apply(new Inspector(process, target.symbols(), memory, engine.decoder(), tid -> {
            tracee.stopThread(tid, Duration.ofSeconds(1)); // a running thread, for the moment it takes to read its rip
            try {
                return tracee.registers(tid).rip();
            } finally {
                tracee.resumeThread(tid);
            }
        })));
    }

    private Applier applier() {
        return new Applier(tracee, memory, target.symbols(), options.threadTimeout(), stackCheck, () -> cancelRequested);
    }

    private Installer installer() {
        return new Installer(applier(), memory, target.book(), target.libc());
    }

    /** The patches in force, read from the process's own record. */
    public List<AppliedPatch> status() {
        return onTracer(() -> target.book().inForce());
    }

    /** Reads every patched site (and its trampoline) back and compares it with the record. */
    public List<Results.Verified> verify() {
        return onTracer(() -> target.book().inForce().stream().map(p -> {
            byte[] now = memory.read(p.site(), p.patch().length);
            byte[] slot = p.trampoline() == 0 ? new byte[0] : Planner.trampolineCode(p.trampoline(), p.target());
            boolean ok = Arrays.equals(now, p.patch()) && Arrays.equals(memory.read(p.trampoline(), slot.length), slot);
            return new Results.Verified(p, ok, now);
        }).toList());
    }

    /** Undoes the replacement of one function, found by name or address. */
    public Results.Reverted revert(String function) {
        return onTracer(() -> uninstall(List.of(
                PatchSelection.byFunction(target.book().inForce(), function, target.symbols(), process.pid()))));
    }

    /** Undoes every patch of one transaction, in one stop. */
    public Results.Reverted revertTransaction(int transaction) {
        return onTracer(() -> uninstall(PatchSelection.byTransaction(target.book().inForce(), transaction)));
    }

    /** Undoes every patch in force, in one stop, newest first. */
    public Results.Reverted revertAll() {
        return onTracer(() -> uninstall(PatchSelection.newestFirst(target.book().inForce())));
    }

    private Results.Reverted uninstall(List<AppliedPatch> patches) {
        if (patches.isEmpty()) {
            return new Results.Reverted(List.of(), 0);
        }
        Applier.Outcome out = installer().uninstall(patches);
        return new Results.Reverted(List.copyOf(patches), out.freezeMillis());
    }

    /** Lets the process go: detaches from every thread. Safe to call twice. */
    public void detach() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            thread.call(() -> {
                thread.whileIdle(null);
                try {
                    tracee.detach();
                } finally {
                    memory.close();
                }
                return null;
            });
        } finally {
            thread.close();
        }
    }

    public boolean attached() {
        return !closed;
    }

    @Override
    public void close() {
        detach();
    }
}
