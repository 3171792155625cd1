package tfix.engine;

import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import tfix.engine.elf.ProcessSymbols;
import tfix.engine.guard.Journal;
import tfix.engine.inspect.Inspector;
import tfix.engine.prepare.Attached;
import tfix.engine.process.Maps;
import tfix.engine.process.ProcMemory;
import tfix.engine.process.TargetProcess;
import tfix.engine.record.PatchBook;
import tfix.engine.remote.CallArea;
import tfix.engine.remote.FunctionCalls;
import tfix.engine.remote.RemoteLibc;
import tfix.engine.timing.Phases;

/**
 * What a session knows of its attached process and keeps current: the symbols of every
 * mapped file (read again when a patch is loaded), the remote caller over them, and the
 * book of its record.
 */
final class AttachedTarget implements Attached {
    private final TargetProcess process;
    private final Route route;
    private final ProcMemory memory;
    private final Engine engine;
    private final Duration callTimeout;
    private final BooleanSupplier cancelled;
    private final Consumer<String> warnings;
    private ProcessSymbols symbols;
    private FunctionCalls caller;
    private PatchBook book;
    /** Where remote calls run: one for the session, whichever caller the symbols of the moment make. */
    private final CallArea area = new CallArea();

    /** {@code symbols}: read before attaching, or null to read them now. */
    AttachedTarget(TargetProcess process, Route route, ProcMemory memory, Engine engine, ProcessSymbols symbols,
                   Duration callTimeout, BooleanSupplier cancelled, Consumer<String> warnings) {
        this.process = process;
        this.route = route;
        this.memory = memory;
        this.engine = engine;
        this.callTimeout = callTimeout;
        this.cancelled = cancelled;
        this.warnings = warnings;
        Maps maps = process.maps();
        if (symbols == null || !symbols.current(maps)) {
            reload();
        } else {
            use(symbols, maps);
        }
    }

    /** The symbols of every mapped file, read without ptrace; empty when /proc does not let tfix read them yet. */
    static Optional<ProcessSymbols> readSymbols(TargetProcess process, Engine engine) {
        try {
            return Optional.of(ProcessSymbols.load(process.pid(), process.maps(), process::openableFile,
                    engine.elfCache(), engine.demangler()));
        } catch (RuntimeException e) {
            return Optional.empty(); // attaching says why (no such process, permission)
        }
    }

    @Override
    public void reload() {
        try (Phases.Span s = Phases.start("symbols read again (after attach, after a load)")) {
            Maps maps = process.maps();
            use(ProcessSymbols.load(process.pid(), maps, process::openableFile, engine.elfCache(), engine.demangler()), maps);
        }
    }

    private void use(ProcessSymbols fresh, Maps maps) {
        symbols = fresh;
        caller = route.caller(symbols, memory, area, callTimeout, cancelled);
        if (book == null) {
            book = new PatchBook(process.pid(), maps, memory, Journal.standard(engine.nat().libc().geteuid()).routed(route.name()), warnings);
        }
    }

    /** Unmaps the call area before tfix lets the process go. */
    void releaseArea() {
        caller.releaseArea();
    }

    @Override
    public int pid() {
        return process.pid();
    }

    @Override
    public ProcessSymbols symbols() {
        return symbols;
    }

    @Override
    public RemoteLibc libc() {
        return new RemoteLibc(caller);
    }

    @Override
    public PatchBook book() {
        return book;
    }

    /** A read-only view of the process; a thread is stopped only while its registers and stack are read. */
    Inspector inspector() {
        return new Inspector(process, symbols(), memory, engine.decoder(), route.stops());
    }
}
