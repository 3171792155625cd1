package tfix.engine.inspect;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import tfix.engine.elf.FunctionRef;
import tfix.engine.elf.ProcessSymbols;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.process.MemoryMap;
import tfix.engine.process.ProcMemory;
import tfix.engine.process.TargetProcess;
import tfix.engine.process.ThreadSyscall;
import tfix.engine.x86.CodeWriter;
import tfix.engine.x86.X86Decoder;

/**
 * Read-only views of the target for the inspection verbs: nothing here changes it; a thread is stopped only
 * for the moment its registers (and, for a backtrace, one window of its stack) are read.
 */
public final class Inspector {
    private final TargetProcess process;
    private final ProcessSymbols symbols;
    private final ProcMemory memory;
    private final X86Decoder decoder;
    private final ThreadStops stops;
    private final AddressNames names;

    public Inspector(TargetProcess process, ProcessSymbols symbols, ProcMemory memory, X86Decoder decoder, ThreadStops stops) {
        this.process = process;
        this.symbols = symbols;
        this.memory = memory;
        this.decoder = decoder;
        this.stops = stops;
        this.names = new AddressNames(symbols);
    }

    /** A function's instructions as the process holds them now, found by name. */
    public List<String> disassemble(String function) {
        return disassemble(symbols.resolve(function, null, Set.of()));
    }

    /** A function's instructions as the process holds them now. */
    public List<String> disassemble(FunctionRef f) {
        long size = f.size() > 0 ? f.size() : 64;
        return disassemble(f.address(), (int) Math.min(size, 1 << 16));
    }

    private byte[] read(long address, int length) {
        try {
            return memory.read(address, length);
        } catch (UncheckedIOException e) {
            throw new TfixException(Reason.NOT_FOUND, String.format("cannot read %d bytes at %#x in process %d: not mapped there"
                    + " (see maps)", length, address, process.pid()));
        }
    }

    /** The instructions, named targets and operands, {@code =>} where a thread is now. */
    public List<String> disassemble(long address, int length) {
        byte[] code = read(address, length);
        return new Disassembly(decoder, names).lines(code, address, instructionPointers(address, address + length));
    }

    /** Where each thread is, for those in [from, to): from /proc for one in a system call, else stopped for a moment. */
    private Map<Integer, Long> instructionPointers(long from, long to) {
        Map<Integer, Long> out = new HashMap<>();
        for (int tid : process.threadIds()) {
            ThreadSyscall sc = stops.syscall(process.pid(), tid).orElse(null);
            long rip;
            if (sc == null) {
                continue; // ended meanwhile
            } else if (sc.blockedInSyscall()) {
                rip = sc.instructionPointer();
            } else {
                try {
                    rip = stops.whileStopped(tid, ThreadStops.Pointers::rip);
                } catch (RuntimeException e) {
                    continue; // ended meanwhile, or cannot be stopped: no mark rather than no listing
                }
            }
            if (rip >= from && rip < to) {
                out.put(tid, rip);
            }
        }
        return out;
    }

    /** Symbols whose name (or source name) matches: sorted, counted, one page (see {@link SymbolQuery}). */
    public List<String> symbols(SymbolQuery query) {
        return new SymbolListing(symbols).page(query);
    }

    public List<String> symbols(Pattern pattern) {
        return symbols(SymbolQuery.of(pattern));
    }

    public List<String> maps() {
        return process.maps().entries().stream().map(MemoryMap::toString).toList();
    }

    /** Each thread with its state, where it is, and its backtrace (see {@link StackWalker}). */
    public List<String> threads() {
        return new Backtraces(process, memory, decoder, stops, names).threads();
    }

    /** The threads inside a function or with it on their stack now. */
    public List<String> where(String function) {
        FunctionRef f = symbols.resolve(function, null, Set.of());
        return new Backtraces(process, memory, decoder, stops, names).where(f);
    }

    public List<String> peek(long address, int length) {
        byte[] b = read(address, length);
        List<String> out = new ArrayList<>();
        for (int off = 0; off < b.length; off += 16) {
            byte[] row = Arrays.copyOfRange(b, off, Math.min(b.length, off + 16));
            StringBuilder ascii = new StringBuilder();
            for (byte x : row) {
                ascii.append(x >= 32 && x < 127 ? (char) x : '.');
            }
            out.add(String.format("%#014x  %-47s  %s", address + off, CodeWriter.hex(row), ascii));
        }
        return out;
    }
}
