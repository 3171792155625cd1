package tfix.engine;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.IntConsumer;

import tfix.engine.apply.Applier;
import tfix.engine.apply.Installer;
import tfix.engine.apply.SiteWriter;
import tfix.engine.elf.ProcessSymbols;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.inspect.Inspector;
import tfix.engine.patch.FixTable;
import tfix.engine.patch.OriginalCopies;
import tfix.engine.patch.PlanPrinter;
import tfix.engine.patch.Planner;
import tfix.engine.patch.ReplaceSpec;
import tfix.engine.patch.SitePlan;
import tfix.engine.prepare.FixTables;
import tfix.engine.prepare.Pins;
import tfix.engine.prepare.Prepared;
import tfix.engine.prepare.Preparer;
import tfix.engine.process.ImageStamp;
import tfix.engine.process.Maps;
import tfix.engine.process.ProcMemory;
import tfix.engine.process.TargetProcess;
import tfix.engine.record.AppliedPatch;
import tfix.engine.record.PatchSelection;
import tfix.engine.remote.RemoteLibc;
import tfix.engine.timing.Phases;

/**
 * One attached process. Attaches and detaches, runs every operation on the process's own
 * ptrace thread, all or nothing, and hands the work to the layer that does it: the
 * {@link Preparer} plans, the {@link Installer} writes, the {@link Inspector} reads.
 */
public final class TfixSession implements AutoCloseable {
    private final TargetProcess process;
    private final Options options;
    private final Route route;
    private final ProcMemory memory;
    private final Engine engine;
    private final Preparer preparer;
    private final AttachedTarget target;
    private boolean closed;
    private boolean stackCheck;
    private boolean writeInAStop;
    private Consumer<String> warnings = w -> System.err.println("tfix: warning: " + w);
    /** Set from any thread (Ctrl-C in the REPL); waits give up, nothing half-done is left. */
    private volatile boolean cancelRequested;
    /** The program image attached to, read before /proc/PID/mem was opened (which stays bound to that image). */
    private final Optional<ImageStamp> image;

    TfixSession(TargetProcess process, Options options, Route route, ProcMemory memory,
                        Engine engine, ProcessSymbols symbols, Optional<ImageStamp> image) {
        this.image = image;
        this.process = process;
        this.options = options;
        this.route = route;
        this.memory = memory;
        this.engine = engine;
        this.target = new AttachedTarget(process, route, memory, engine, symbols, options.callTimeout(),
                () -> cancelRequested, w -> warnings.accept(w));
        this.preparer = new Preparer(process, memory, target, engine.elfCache(), engine.demangler(), engine.decoder(),
                engine.branchIndexes(), engine.nat().libc().geteuid());
    }

    public static TfixSession attach(int pid, Engine engine, Options options) {
        return attach(pid, engine, options, w -> System.err.println("tfix: " + w));
    }

    /** Attaches by ptrace, or through the process's agent when ptrace is refused and it has one. */
    public static TfixSession attach(int pid, Engine engine, Options options, Consumer<String> waiting) {
        return attach(pid, engine, options, waiting, Via.AUTO);
    }

    /** Attaches by the route asked for ({@link SessionOpener} says how). */
    public static TfixSession attach(int pid, Engine engine, Options options, Consumer<String> waiting, Via via) {
        return SessionOpener.open(pid, engine, options, waiting, via);
    }

    /**
     * Asks the operation in progress to stop waiting (for threads to leave a site, for a
     * remote call): it fails with "cancelled" and leaves the target as it was. Any thread.
     */
    public void cancel() {
        cancelRequested = true;
    }

    /**
     * Runs one operation, all or nothing, one at a time. It runs on the calling thread: only
     * its ptrace requests go to the tracer thread, which answers the target's stops meanwhile.
     */
    private <T> T exclusive(Callable<T> task) {
        if (closed) {
            throw new TfixException(Reason.NOT_ATTACHED, "not attached: use `attach PID` first");
        }
        synchronized (this) {
            cancelRequested = false;
            if (route.exited()) {
                throw new TfixException(Reason.PROCESS_GONE, "process " + process.pid() + " has exited");
            }
            ImageStamp.requireSame(process.pid(), image, null);
            try {
                return task.call();
            } catch (RuntimeException e) {
                ImageStamp.requireSame(process.pid(), image, e);
                // Whatever failed, a target that died meanwhile is the cause worth telling.
                if (process.exitingOrGone()) {
                    throw new TfixException(Reason.PROCESS_GONE, "process " + process.pid()
                            + " exited while tfix was working on it", e);
                }
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    public int pid() {
        return process.pid();
    }

    public int threadCount() {
        return exclusive(route::threadCount);
    }

    public ProcessSymbols symbols() {
        return exclusive(target::symbols);
    }

    /** Replaces {@code oldName} (optionally in {@code library}) with {@code newName} from the patch library. */
    public Results.Replaced replace(String oldName, String library, String newName, Path patchFile) {
        return replace(new ReplaceSpec(oldName, library, newName, patchFile, null));
    }

    public Results.Replaced replace(ReplaceSpec spec) {
        return write(List.of(spec), false).get(0);
    }

    /** Replaces several functions in one stop, all or nothing; they are reverted together by transaction id. */
    public List<Results.Replaced> transaction(List<ReplaceSpec> specs) {
        return specs.isEmpty() ? List.of() : write(specs, true);
    }

    /** The fix table the patch carries, its pins checked against this process. */
    public FixTable fixTable(Path patch) {
        return exclusive(() -> FixTables.read(patch, engine.elfCache(), target.symbols()));
    }

    /** Plans without changing anything (no patch loaded: it is planned far away, showing the longest jump). */
    public List<SitePlan> plan(List<ReplaceSpec> specs) {
        return exclusive(() -> {
            writeShape();
            return preparer.planAll(specs);
        });
    }

    public String describe(SitePlan plan) {
        return new PlanPrinter(engine.decoder()).print(plan);
    }

    private List<Results.Replaced> write(List<ReplaceSpec> specs, boolean asTransaction) {
        return exclusive(() -> {
            preparer.startWrite(specs);
            writeShape();
            List<Prepared> ready = new ArrayList<>();
            try (Phases.Span s = Phases.start("preload checks (plan far away)")) {
                new PreloadChecks(preparer, new Planner(engine.decoder()), this::applier).run(specs, asTransaction);
            }
            for (ReplaceSpec spec : specs) {
                try (Phases.Span s = Phases.start("prepare (resolve, load, plan)")) {
                    preparer.prepareAll(spec, false).forEach(p -> ready.add(p.fromFixEntry(spec.fixEntry())));
                } catch (TfixException e) {
                    throw asTransaction ? e.prefixed("transaction not applied, nothing was written: ") : e;
                }
            }
            List<Prepared> todo = ready.stream().filter(p -> !p.plan().alreadyApplied()).toList();
            try (Phases.Span s = Phases.start("install (record, freeze, write)")) {
                return Results.replaced(ready, todo.isEmpty() ? null : installer().install(todo, asTransaction));
            }
        });
    }

    /** Where warnings go (the journal could not be written...); standard error by default. */
    public void onWarning(Consumer<String> sink) {
        this.warnings = sink;
    }

    /** Also refuse to replace a function while any thread has it on its stack (waiting up to the thread time-out). */
    public void stackCheck(boolean on) {
        exclusive(() -> stackCheck = on);
    }

    /** Writes in a stop of the threads even where the route could write without one. */
    public void writeInAStop(boolean on) {
        exclusive(() -> writeInAStop = on);
    }

    /** Refuses to go on unless the executable (or the named library) has this GNU build-id. */
    public void expectBuildId(String library, String buildId) {
        exclusive(() -> {
            Pins.checkBuildId(target.symbols(), library, buildId, "this runbook was written for another build of it");
            return null;
        });
    }

    /** Runs a read-only view of the process (disas, symbols, maps, threads, peek) on the tracer thread. */
    public <T> T inspect(Function<Inspector, T> view) {
        return exclusive(() -> view.apply(target.inspector()));
    }

    /** Plans take the shape the route writes without a stop, unless something needs the stop. */
    private void writeShape() {
        boolean can = route.writesWithoutStop() && !writeInAStop;
        preparer.writeWithoutStop(can && !stackCheck, can && stackCheck ? "safety 'stack' reads the stacks, in a stop" : null);
    }

    private SiteWriter applier() {
        return route.writer(target.symbols(), memory, options.threadTimeout(), stackCheck, () -> cancelRequested);
    }

    /** "ptrace" or "agent": how this session reaches its process. */
    public String route() {
        return route.name();
    }

    private Installer installer() {
        return new Installer(applier(), memory, target.book(), target.libc());
    }

    /**
     * Calls in the process for {@code tfix restart}: its libc, and a kick that makes a thread blocked in accept
     * issue it again, so that it looks its descriptor up anew ({@link Route#kick}).
     */
    public <T> T remote(BiFunction<RemoteLibc, IntConsumer, T> work) {
        return exclusive(() -> work.apply(target.libc(), route::kick));
    }

    /** The process's agent when this session goes through it (restart reads /proc and spawns through it). */
    public Optional<tfix.engine.agent.AgentClient> agent() {
        return route.agent();
    }

    /** The patches in force, read from the process's own record. */
    public List<AppliedPatch> status() {
        return exclusive(() -> target.book().inForce());
    }

    /** Reads every patched site (and its trampoline) back and compares it with the record. */
    public List<Results.Verified> verify() {
        return exclusive(() -> {
            Maps maps = process.maps();
            OriginalCopies copies = new OriginalCopies(engine.decoder());
            return target.book().inForce().stream().map(p -> {
                Installer.ReadBack back = Installer.readBack(memory, maps, p, copies);
                return new Results.Verified(p, back.inPlace(), back.bytes());
            }).toList();
        });
    }

    /** Undoes the replacement of one function, found by name or address. */
    public Results.Reverted revert(String function) {
        return exclusive(() -> uninstall(
                PatchSelection.byFunction(target.book().inForce(), function, target.symbols(), process.pid())));
    }

    /** Undoes every patch of one transaction, in one stop. */
    public Results.Reverted revertTransaction(int transaction) {
        return exclusive(() -> uninstall(PatchSelection.byTransaction(target.book().inForce(), transaction)));
    }

    /** Undoes every patch in force, in one stop, newest first. */
    public Results.Reverted revertAll() {
        return exclusive(() -> uninstall(PatchSelection.newestFirst(target.book().inForce())));
    }

    private Results.Reverted uninstall(List<AppliedPatch> patches) {
        if (patches.isEmpty()) {
            return new Results.Reverted(List.of(), 0);
        }
        Applier.Outcome out = installer().uninstall(patches);
        return new Results.Reverted(List.copyOf(patches), out.freezeMillis());
    }

    /** Lets the process go: detaches from every thread, after the operation in progress. Safe to call twice. */
    public synchronized void detach() {
        if (closed) {
            return;
        }
        closed = true;
        try (Phases.Span s = Phases.start("detach (call area unmapped, threads let go)")) {
            route.release(target::releaseArea);
        } finally {
            memory.close();
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
