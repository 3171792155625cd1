package tfix.engine;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import tfix.engine.elf.ProcessSymbols;
import tfix.engine.guard.Journal;
import tfix.engine.prepare.Attached;
import tfix.engine.process.Maps;
import tfix.engine.process.ProcMemory;
import tfix.engine.process.TargetProcess;
import tfix.engine.ptrace.Tracee;
import tfix.engine.record.PatchBook;
import tfix.engine.remote.RemoteCaller;
import tfix.engine.remote.RemoteLibc;

/**
 * What a session knows of its attached process and keeps current: the symbols of every
 * mapped file (read again when a patch is loaded), the remote caller over them, and the
 * book of its record.
 */
final class AttachedTarget implements Attached {
    private final TargetProcess process;
    private final Tracee tracee;
    private final ProcMemory memory;
    private final Engine engine;
    private final Duration callTimeout;
    private final BooleanSupplier cancelled;
    private final Consumer<String> warnings;
    private ProcessSymbols symbols;
    private RemoteCaller caller;
    private PatchBook book;

    AttachedTarget(TargetProcess process, Tracee tracee, ProcMemory memory, Engine engine, Duration callTimeout,
                   BooleanSupplier cancelled, Consumer<String> warnings) {
        this.process = process;
        this.tracee = tracee;
        this.memory = memory;
        this.engine = engine;
        this.callTimeout = callTimeout;
        this.cancelled = cancelled;
        this.warnings = warnings;
        reload();
    }

    @Override
    public void reload() {
        Maps maps = process.maps();
        symbols = ProcessSymbols.load(process.pid(), maps, process::openableFile, engine.elfCache(), engine.demangler());
        caller = new RemoteCaller(tracee, memory, symbols, callTimeout, cancelled);
        if (book == null) {
            book = new PatchBook(process.pid(), maps, memory, Journal.standard(engine.nat().libc().geteuid()), warnings);
        }
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
}
