package tfix.engine;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import tfix.engine.elf.Demangler;
import tfix.engine.elf.ElfImage;
import tfix.engine.elf.ElfCache;
import tfix.engine.elf.FunctionRef;
import tfix.engine.elf.LoadedModule;
import tfix.engine.elf.ProcessSymbols;
import tfix.engine.guard.Journal;
import tfix.engine.guard.PatchFileGuard;
import tfix.engine.patch.Applier;
import tfix.engine.patch.Check;
import tfix.engine.patch.JumpEncoder;
import tfix.engine.patch.JumpKind;
import tfix.engine.patch.PlanPrinter;
import tfix.engine.patch.Planner;
import tfix.engine.patch.SitePlan;
import tfix.engine.patch.SiteRequest;
import tfix.engine.patch.X86Decoder;
import tfix.engine.process.Maps;
import tfix.engine.process.MemoryMap;
import tfix.engine.process.TargetProcess;
import tfix.engine.ptrace.ProcMemory;
import tfix.engine.ptrace.Ptrace;
import tfix.engine.ptrace.PtraceThread;
import tfix.engine.ptrace.Tracee;
import tfix.engine.record.AppliedPatch;
import tfix.engine.record.PatchBook;
import tfix.engine.remote.PatchLoader;
import tfix.engine.remote.RemoteCaller;
import tfix.engine.remote.TrampolineIslands;
import tfix.engine.sys.Native;

/**
 * One attached process and everything tfix does to it. Each operation is all or
 * nothing, and runs on the process's own ptrace thread.
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
    private final ElfCache elfCache;
    private final Demangler demangler;
    private final X86Decoder decoder;
    private ProcessSymbols symbols;
    private RemoteCaller caller;
    private PatchBook book;
    private boolean closed;
    private boolean stackCheck;
    private final int euid;
    private java.util.function.Consumer<String> warnings = w -> System.err.println("tfix: warning: " + w);
    /** Set from any thread (Ctrl-C in the REPL); waits give up, nothing half-done is left. */
    private volatile boolean cancelRequested;
    /** Trampoline slots handed to sites of the write being prepared (recorded only once applied). */
    private final Set<Long> slotsTaken = new java.util.HashSet<>();
    /** Patch files whose carried build-id pin has been checked in this session. */
    private final Set<String> pinsChecked = new java.util.HashSet<>();
    /** Direct branches of modules swept for static functions, kept for the session. */
    private final java.util.Map<String, tfix.engine.patch.BranchIndex> branchIndexes = new java.util.HashMap<>();

    private TfixSession(TargetProcess process, Options options, PtraceThread thread, Tracee tracee, ProcMemory memory,
                        Engine engine) {
        this.process = process;
        this.options = options;
        this.thread = thread;
        this.tracee = tracee;
        this.memory = memory;
        this.elfCache = engine.elfCache();
        this.euid = engine.nat().libc().geteuid();
        this.demangler = engine.demangler();
        this.decoder = engine.decoder();
    }

    /** Shared, expensive pieces: libc binding, demangler, decoder, parsed ELF files. */
    public record Engine(Native nat, ElfCache elfCache, Demangler demangler, X86Decoder decoder) {
        public static Engine create() {
            return new Engine(new Native(), new ElfCache(), Demangler.load(), new X86Decoder());
        }
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
                    s.refresh();
                    thread.whileIdle(tracee::pump);
                    return s;
                } catch (RuntimeException e) {
                    tracee.detach();
                    if (memory != null) {
                        memory.close();
                    }
                    if (aliveAtStart && !process.alive()) {
                        throw new TfixException("process " + pid + " exited while tfix was attaching", e);
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
            throw new TfixException("not attached: use `attach PID` first");
        }
        cancelRequested = false;
        return thread.call(() -> {
            if (tracee.exited()) {
                throw new TfixException("process " + process.pid() + " has exited");
            }
            try {
                return task.call();
            } catch (RuntimeException e) {
                // Whatever failed, a target that died meanwhile is the cause worth telling.
                if (exiting()) {
                    throw new TfixException("process " + process.pid() + " exited while tfix was working on it", e);
                }
                throw e;
            }
        });
    }

    private void refresh() {
        Maps maps = process.maps();
        symbols = ProcessSymbols.load(process.pid(), maps, process::openableFile, elfCache, demangler);
        caller = new RemoteCaller(tracee, memory, symbols, options.callTimeout(), () -> cancelRequested);
        if (book == null) {
            book = new PatchBook(process.pid(), maps, memory, Journal.standard(euid), w -> warnings.accept(w));
        }
    }

    public int pid() {
        return process.pid();
    }

    /** Gone, or on its way out: an exit takes a moment to show in /proc, so look a few times. */
    private boolean exiting() {
        for (int i = 0; i < 20; i++) {
            if (!process.alive() || process.maps().entries().isEmpty()) {
                return true;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
        }
        return false;
    }

    public int threadCount() {
        return onTracer(tracee::threadCount);
    }

    public ProcessSymbols symbols() {
        return onTracer(() -> symbols);
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
        if (specs.isEmpty()) {
            return List.of();
        }
        return write(specs, true);
    }

    /**
     * Plans without changing anything: no patch is loaded and nothing is written. A patch
     * not yet loaded is planned at a far address, so the plan shows the longest jump.
     */
    public List<SitePlan> plan(List<ReplaceSpec> specs) {
        return onTracer(() -> {
            List<SitePlan> plans = new ArrayList<>();
            for (ReplaceSpec spec : specs) {
                plans.add(prepare(spec, true).plan());
            }
            return plans;
        });
    }

    public String describe(SitePlan plan) {
        return new PlanPrinter(decoder).print(plan);
    }

    /** A replacement checked and ready to write; {@code supersedes}: the earlier patch it takes over, or null. */
    private record Prepared(SitePlan plan, String patchPath, boolean loaded, double loadMillis, AppliedPatch supersedes) {
        Applier.Write write() {
            if (supersedes == null) {
                return Applier.apply(plan);
            }
            return new Applier.Write(plan, plan.site(), Planner.expectedOver(supersedes.patch(), plan.original()), plan.patch(),
                    true);
        }
    }

    private List<Results.Replaced> write(List<ReplaceSpec> specs, boolean asTransaction) {
        return onTracer(() -> {
            slotsTaken.clear();
            List<Prepared> ready = new ArrayList<>();
            for (ReplaceSpec spec : specs) {
                try {
                    ready.add(prepare(spec, false));
                } catch (TfixException e) {
                    throw asTransaction ? new TfixException("transaction not applied, nothing was written: "
                            + e.getMessage(), e) : e;
                }
            }
            List<Prepared> todo = ready.stream().filter(p -> !p.plan().alreadyApplied()).toList();
            Applier.Outcome written = todo.isEmpty() ? null : commit(todo, asTransaction);
            List<Results.Replaced> out = new ArrayList<>();
            for (Prepared p : ready) {
                boolean skip = p.plan().alreadyApplied();
                out.add(new Results.Replaced(p.plan(), skip, p.loaded(), p.loadMillis(),
                        skip ? 0 : written.freezeMillis(), skip ? null : written.phases()));
            }
            return out;
        });
    }

    /** Resolves, loads the patch (unless only planning), surveys and plans one replacement; changes no code. */
    private Prepared prepare(ReplaceSpec spec, boolean planOnly) {
        Path patch = PatchLoader.canonical(spec.patchFile());
        PatchFileGuard.check(patch, euid);
        Pins.checkSha256(patch, spec.sha256());
        ElfImage patchImage = elfCache.get(patch.toString(), patch, patch.toFile().lastModified()).orElseThrow(() ->
                new TfixException("cannot read patch file " + patch + " as an ELF shared object"));
        if (pinsChecked.add(patch + "#" + patch.toFile().lastModified())) {
            Pins.checkCarried(symbols, patchImage);
        }
        FunctionRef old = symbols.resolve(spec.oldName(), spec.library(), patchLibraries());
        Optional<AppliedPatch> existing = inForce().stream().filter(p -> p.entry() == old.address()).findFirst();

        boolean loaded = false;
        double loadMillis = 0;
        FunctionRef fresh;
        if (planOnly && !PatchLoader.isLoaded(process.maps(), patch)) {
            fresh = unloaded(patch, patchImage).resolve(spec.newName(), null, Set.of());
        } else {
            long loadStart = System.nanoTime();
            loaded = new PatchLoader(caller).load(process.maps(), patch);
            loadMillis = (System.nanoTime() - loadStart) / 1e6;
            if (loaded) {
                refresh();
            }
            fresh = symbols.resolve(spec.newName(), patch.toString(), Set.of());
        }
        Planner planner = new Planner(decoder);
        SiteRequest request = new SiteSurvey(memory, decoder, branchIndexes)
                .survey(old, fresh.displayName(), fresh.module().path(), fresh.address());
        AppliedPatch earlier = existing.filter(e -> e.target() != fresh.address()).orElse(null);
        if (existing.isPresent() && earlier == null) {
            request = request.through(existing.get().trampoline()); // what is in place: recognised as already applied
        } else if (earlier != null) {
            request = request.replacing(earlier.patch()); // v2 to v3: one write takes the site over
        }
        SitePlan plan = planner.plan(request);
        boolean waitsForCallers = plan.ok() && planner.callReturnsInside(plan);
        if ((!plan.ok() || waitsForCallers) && plan.kind() == JumpKind.ABS64 && request.trampoline() == 0) {
            // The absolute jump does not fit safely, or a call inside it would make the write wait for
            // every thread in the callee: a 5-byte jump to a trampoline near the site might not.
            long hypothetical = TrampolineIslands.hypotheticalSlot(old.address());
            SitePlan trial = planner.plan(request.through(hypothetical));
            if (trial.ok() && !(waitsForCallers && planner.callReturnsInside(trial))) {
                long slot = planOnly ? hypothetical : TrampolineIslands.slotNear(old.address(), book, caller, slotsTaken);
                plan = planner.plan(request.through(slot));
            }
        }
        if (planOnly) {
            return new Prepared(plan, patch.toString(), false, 0, earlier);
        }
        if (!plan.ok()) {
            throw new TfixException("cannot replace " + old.displayName() + ": "
                    + plan.failures().stream().map(Check::detail).collect(Collectors.joining("; ")));
        }
        return new Prepared(plan, patch.toString(), loaded, loadMillis, earlier);
    }

    /** The patch's symbols as if it were loaded far from everything: for planning without loading it. */
    private ProcessSymbols unloaded(Path patch, ElfImage image) {
        long base = 0x7e0000000000L;
        MemoryMap map = new MemoryMap(base, base + (1L << 32), "r-xp", 0, "00:00", 0, patch.toString());
        return new ProcessSymbols(process.pid(), List.of(new LoadedModule(patch.toString(), List.of(map), image)), demangler);
    }

    /** Writes prepared sites in one stop, recorded before and after. */
    private Applier.Outcome commit(List<Prepared> todo, boolean asTransaction) {
        List<AppliedPatch> entries = book.draft(todo.stream().map(Prepared::plan).toList(),
                todo.stream().map(Prepared::patchPath).toList(), asTransaction, caller);
        List<Applier.Write> writes = todo.stream().map(Prepared::write).toList();
        // Trampolines first, while the target runs: nothing jumps to a fresh slot until its site is written.
        for (Prepared p : todo) {
            if (p.plan().trampoline() != 0) {
                memory.write(p.plan().trampoline(), p.plan().trampolineCode());
            }
        }
        List<AppliedPatch> superseded = todo.stream().map(Prepared::supersedes).filter(java.util.Objects::nonNull).toList();
        return book.applying(entries, superseded, () -> applier().write(writes));
    }

    /** Where warnings go (the journal could not be written...); standard error by default. */
    public void onWarning(java.util.function.Consumer<String> sink) {
        this.warnings = sink;
    }

    /** Also refuse to replace a function while any thread has it on its stack (waiting up to the thread time-out). */
    public void stackCheck(boolean on) {
        onTracer(() -> stackCheck = on);
    }

    /** Refuses to go on unless the executable (or the named library) has this GNU build-id. */
    public void expectBuildId(String library, String buildId) {
        onTracer(() -> {
            Pins.checkBuildId(symbols, library, buildId, "this runbook was written for another build of it");
            return null;
        });
    }

    public List<String> disassemble(String function) {
        return onTracer(() -> inspector().disassemble(symbols.resolve(function, null, Set.of())));
    }

    public List<String> disassemble(long address, int length) {
        return onTracer(() -> inspector().disassemble(address, length));
    }

    public List<String> symbols(java.util.regex.Pattern pattern) {
        return onTracer(() -> inspector().symbols(pattern, Set.of(), 200));
    }

    public List<String> maps() {
        return onTracer(() -> inspector().maps());
    }

    public List<String> threads() {
        return onTracer(() -> inspector().threads(tid -> {
            tracee.stopThread(tid, Duration.ofSeconds(1));
            try {
                return tracee.registers(tid).rip();
            } finally {
                tracee.resumeThread(tid);
            }
        }));
    }

    public List<String> peek(long address, int length) {
        return onTracer(() -> inspector().peek(address, length));
    }

    private Inspector inspector() {
        return new Inspector(process, symbols, memory, decoder);
    }

    private Applier applier() {
        return new Applier(tracee, memory, symbols, options.threadTimeout(), stackCheck, () -> cancelRequested);
    }

    private Set<String> patchLibraries() {
        return book.patchFiles();
    }

    private List<AppliedPatch> inForce() {
        return book.inForce();
    }

    /** The patches in force, read from the process's own record. */
    public List<AppliedPatch> status() {
        return onTracer(this::inForce);
    }

    /** Reads every patched site back and compares it with the record. */
    public List<Results.Verified> verify() {
        return onTracer(() -> {
            List<Results.Verified> out = new ArrayList<>();
            for (AppliedPatch p : inForce()) {
                byte[] now = memory.read(p.site(), p.patch().length);
                boolean ok = java.util.Arrays.equals(now, p.patch());
                if (p.trampoline() != 0) {
                    byte[] slot = JumpEncoder.encode(JumpKind.ABS64, p.trampoline(), p.target(), Planner.TRAMPOLINE_SLOT);
                    ok &= java.util.Arrays.equals(memory.read(p.trampoline(), slot.length), slot);
                }
                out.add(new Results.Verified(p, ok, now));
            }
            return out;
        });
    }

    /** Undoes the replacement of one function, found by name or address. */
    public Results.Reverted revert(String function) {
        return onTracer(() -> {
            List<AppliedPatch> active = inForce();
            List<AppliedPatch> named = active.stream().filter(p -> p.function().equals(function)).toList();
            if (named.size() > 1) {
                throw new TfixException("'" + function + "' names " + named.size() + " patched functions: " + named.stream()
                        .map(p -> String.format("%s at %#x in %s", p.function(), p.entry(), p.module()))
                        .collect(Collectors.joining("; ")) + "; revert one by its address");
            }
            Optional<AppliedPatch> match = named.stream().findFirst();
            if (match.isEmpty()) {
                Set<String> patches = active.stream().map(AppliedPatch::patchFile).collect(Collectors.toSet());
                FunctionRef f = symbols.resolve(function, null, patches);
                match = active.stream().filter(p -> p.entry() == f.address()).findFirst();
            }
            AppliedPatch p = match.orElseThrow(() -> new TfixException("'" + function
                    + "' is not replaced in process " + process.pid() + ": `status` lists the patches in force"));
            return revertAll(List.of(p));
        });
    }

    /** Undoes every patch of one transaction, in one stop. */
    public Results.Reverted revertTransaction(int transaction) {
        return onTracer(() -> {
            List<AppliedPatch> tx = new ArrayList<>(inForce().stream().filter(p -> p.transaction() == transaction).toList());
            if (tx.isEmpty()) {
                throw new TfixException("no patch of transaction " + transaction + " is in force: `status` lists them");
            }
            Collections.reverse(tx);
            return revertAll(tx);
        });
    }

    /** Undoes every patch in force, in one stop, newest first. */
    public Results.Reverted revertAll() {
        return onTracer(() -> {
            List<AppliedPatch> active = new ArrayList<>(inForce());
            Collections.reverse(active);
            return revertAll(active);
        });
    }

    private Results.Reverted revertAll(List<AppliedPatch> patches) {
        if (patches.isEmpty()) {
            return new Results.Reverted(List.of(), 0);
        }
        List<Applier.Write> writes = new ArrayList<>();
        for (AppliedPatch p : patches) {
            SitePlan plan = new SitePlan(p.function(), p.module(), p.entry(), 0, p.site(), p.target(), p.targetName(),
                    p.patchFile(), JumpKind.REL32, p.original(), p.patch(), List.of(), true, p.trampoline(), new byte[0]);
            writes.add(Applier.revert(plan));
        }
        Applier.Outcome out = book.reverting(patches, () -> applier().write(writes));
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
