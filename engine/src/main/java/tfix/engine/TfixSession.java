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
import tfix.engine.elf.ElfCache;
import tfix.engine.elf.FunctionRef;
import tfix.engine.elf.LoadedModule;
import tfix.engine.elf.ProcessSymbols;
import tfix.engine.patch.Applier;
import tfix.engine.patch.Check;
import tfix.engine.patch.JumpKind;
import tfix.engine.patch.Planner;
import tfix.engine.patch.SitePlan;
import tfix.engine.patch.SiteRequest;
import tfix.engine.patch.X86Decoder;
import tfix.engine.process.Maps;
import tfix.engine.process.TargetProcess;
import tfix.engine.ptrace.ProcMemory;
import tfix.engine.ptrace.Ptrace;
import tfix.engine.ptrace.PtraceThread;
import tfix.engine.ptrace.Tracee;
import tfix.engine.record.AppliedPatch;
import tfix.engine.record.PatchLog;
import tfix.engine.record.RecordStore;
import tfix.engine.remote.PatchLoader;
import tfix.engine.remote.RemoteCaller;
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
    private RecordStore record;
    private boolean closed;

    private TfixSession(TargetProcess process, Options options, PtraceThread thread, Tracee tracee, ProcMemory memory,
                        Engine engine) {
        this.process = process;
        this.options = options;
        this.thread = thread;
        this.tracee = tracee;
        this.memory = memory;
        this.elfCache = engine.elfCache();
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
        PtraceThread thread = new PtraceThread(pid);
        try {
            return thread.call(() -> {
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
                    throw e;
                }
            });
        } catch (RuntimeException e) {
            thread.close();
            throw e;
        }
    }

    private <T> T onTracer(Callable<T> task) {
        if (closed) {
            throw new TfixException("not attached: use `attach PID` first");
        }
        return thread.call(() -> {
            if (tracee.exited()) {
                throw new TfixException("process " + process.pid() + " has exited");
            }
            return task.call();
        });
    }

    private void refresh() {
        Maps maps = process.maps();
        symbols = ProcessSymbols.load(process.pid(), maps, process::openableFile, elfCache, demangler);
        caller = new RemoteCaller(tracee, memory, symbols, options.callTimeout());
        if (record == null) {
            record = RecordStore.find(maps, memory).orElse(null);
        }
    }

    public int pid() {
        return process.pid();
    }

    public int threadCount() {
        return onTracer(tracee::threadCount);
    }

    public ProcessSymbols symbols() {
        return onTracer(() -> symbols);
    }

    /** Replaces {@code oldName} (optionally in {@code library}) with {@code newName} from the patch library. */
    public Results.Replaced replace(String oldName, String library, String newName, Path patchFile) {
        Path patch = PatchLoader.canonical(patchFile);
        return onTracer(() -> {
            FunctionRef old = symbols.resolve(oldName, library, patchLibraries());
            Optional<AppliedPatch> existing = inForce().stream().filter(p -> p.entry() == old.address()).findFirst();

            long loadStart = System.nanoTime();
            boolean loaded = new PatchLoader(caller).load(process.maps(), patch);
            double loadMillis = (System.nanoTime() - loadStart) / 1e6;
            if (loaded) {
                refresh();
            }
            LoadedModule patchModule = symbols.moduleByPath(patch.toString()).orElseThrow(() ->
                    new TfixException("the target loaded " + patch + " but it is not in its memory maps"));
            FunctionRef fresh = symbols.resolve(newName, patch.toString(), Set.of());

            SitePlan plan = plan(old, fresh);
            if (existing.isPresent() && !plan.alreadyApplied()) {
                AppliedPatch e = existing.get();
                throw new TfixException(old.displayName() + " is already replaced with " + e.targetName() + " from "
                        + e.patchLibraryName() + ": revert '" + oldName + "' first");
            }
            if (!plan.ok()) {
                throw new TfixException("cannot replace " + old.displayName() + ": "
                        + plan.failures().stream().map(Check::detail).collect(Collectors.joining("; ")));
            }
            if (plan.alreadyApplied()) {
                return new Results.Replaced(plan, true, loaded, loadMillis, 0);
            }
            ensureRecord();
            PatchLog log = record.read();
            AppliedPatch entry = new AppliedPatch(log.nextId(), 0, plan.function(), plan.module(), plan.entry(), plan.site(),
                    plan.original(), plan.patch(), plan.targetName(), plan.target(), patchModule.path(),
                    System.currentTimeMillis());
            record.append(PatchLog.applyEvent(entry));
            Applier.Outcome out;
            try {
                out = applier().write(List.of(Applier.apply(plan)));
            } catch (RuntimeException e) {
                record.append(PatchLog.event("aborted", entry.id()));
                throw e;
            }
            record.append(PatchLog.event("applied", entry.id()));
            return new Results.Replaced(plan, false, loaded, loadMillis, out.freezeMillis());
        });
    }

    /** The plan for one replacement, from the ELF file's bytes and the process's. */
    private SitePlan plan(FunctionRef old, FunctionRef fresh) {
        long size = old.size();
        int want = (int) Math.min(Math.max(size, 48), 1 << 20);
        LoadedModule m = old.module();
        byte[] file;
        try {
            file = m.image().bytesAt(old.symbol().value(), want);
        } catch (TfixException e) {
            file = m.image().bytesAt(old.symbol().value(), (int) Math.max(size, 1));
        }
        long mapEnd = m.mappings().stream().filter(x -> x.contains(old.address())).findFirst()
                .map(x -> x.end()).orElse(old.address() + 48);
        int cur = (int) Math.min(Math.min(48, file.length), mapEnd - old.address());
        byte[] current = memory.read(old.address(), cur);
        return new Planner(decoder).plan(new SiteRequest(old.displayName(), m.path(), old.address(), size, file, current,
                fresh.displayName(), fresh.module().path(), fresh.address()));
    }

    private Applier applier() {
        return new Applier(tracee, memory, symbols, options.threadTimeout());
    }

    private void ensureRecord() {
        if (record == null) {
            record = RecordStore.create(caller, memory);
        }
    }

    private Set<String> patchLibraries() {
        return inForce().stream().map(AppliedPatch::patchFile).collect(Collectors.toSet());
    }

    private List<AppliedPatch> inForce() {
        if (record == null) {
            return List.of();
        }
        return record.read().inForce(p -> memory.read(p.site(), p.patch().length));
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
                out.add(new Results.Verified(p, java.util.Arrays.equals(now, p.patch()), now));
            }
            return out;
        });
    }

    /** Undoes the replacement of one function, found by name or address. */
    public Results.Reverted revert(String function) {
        return onTracer(() -> {
            List<AppliedPatch> active = inForce();
            Optional<AppliedPatch> match = active.stream().filter(p -> p.function().equals(function)).findFirst();
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
            SitePlan plan = new SitePlan(p.function(), p.module(), p.entry(), p.site(), p.target(), p.targetName(),
                    p.patchFile(), JumpKind.REL32, p.original(), p.patch(), List.of(), true);
            writes.add(Applier.revert(plan));
        }
        record.appendAll(patches.stream().map(p -> PatchLog.event("revert", p.id())).toList());
        Applier.Outcome out = applier().write(writes);
        record.appendAll(patches.stream().map(p -> PatchLog.event("reverted", p.id())).toList());
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
