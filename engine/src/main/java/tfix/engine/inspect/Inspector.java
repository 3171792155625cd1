package tfix.engine.inspect;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.IntToLongFunction;
import java.util.regex.Pattern;

import tfix.engine.elf.FunctionRef;
import tfix.engine.elf.LoadedModule;
import tfix.engine.elf.ProcessSymbols;
import tfix.engine.elf.Symbol;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.process.MemoryMap;
import tfix.engine.process.ProcMemory;
import tfix.engine.process.TargetProcess;
import tfix.engine.process.ThreadSyscall;
import tfix.engine.x86.CodeWriter;
import tfix.engine.x86.Instruction;
import tfix.engine.x86.X86Decoder;

/** Read-only views of the target for the inspection verbs: nothing here stops or changes it. */
public final class Inspector {
    private final TargetProcess process;
    private final ProcessSymbols symbols;
    private final ProcMemory memory;
    private final X86Decoder decoder;
    private final IntToLongFunction runningRip;

    /** {@code runningRip}: reads a running thread's instruction pointer (stopping it for that moment). */
    public Inspector(TargetProcess process, ProcessSymbols symbols, ProcMemory memory, X86Decoder decoder,
                     IntToLongFunction runningRip) {
        this.runningRip = runningRip;
        this.process = process;
        this.symbols = symbols;
        this.memory = memory;
        this.decoder = decoder;
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

    public List<String> disassemble(long address, int length) {
        byte[] code = read(address, length);
        List<String> out = new ArrayList<>();
        for (Instruction i : decoder.decode(code, address)) {
            byte[] b = Arrays.copyOfRange(code, (int) (i.address() - address), (int) (i.end() - address));
            out.add(String.format("%#014x  %-30s %s %s", i.address(), CodeWriter.hex(b), i.mnemonic(), i.operands()).stripTrailing());
        }
        return out;
    }

    /** Function symbols whose name (or source name) matches, with their module and address. */
    public List<String> symbols(Pattern pattern) {
        return symbols(pattern, 200);
    }

    private List<String> symbols(Pattern pattern, int limit) {
        List<String> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (LoadedModule m : symbols.modules()) {
            for (Symbol s : m.symbols()) {
                String display = symbols.displayName(s);
                if ((pattern.matcher(s.plainName()).find() || pattern.matcher(display).find())
                        && seen.add(m.runtimeAddress(s) + display)) { // .symtab and .dynsym list exported names twice
                    if (out.size() >= limit) {
                        out.add("... (more; narrow the pattern)");
                        return out;
                    }
                    out.add(String.format("%#014x %6d %s %s!%s", m.runtimeAddress(s), s.size(), s.isLocal() ? "l" : "g",
                            m.fileName(), display));
                }
            }
        }
        return out;
    }

    public List<String> maps() {
        return process.maps().entries().stream().map(MemoryMap::toString).toList();
    }

    /**
     * Each thread with its state and the function it is in: from /proc for a thread in a
     * system call; a running thread is stopped for the moment it takes to read its rip.
     */
    public List<String> threads() {
        List<String> out = new ArrayList<>();
        for (int tid : process.threadIds()) {
            Path task = process.proc().resolve("task").resolve(Integer.toString(tid));
            String name = "?";
            char state = '?';
            try {
                name = Files.readString(task.resolve("comm")).trim();
                String stat = Files.readString(task.resolve("stat"));
                state = stat.charAt(stat.lastIndexOf(')') + 2);
            } catch (Exception e) {
                continue; // ended meanwhile
            }
            final int id = tid;
            String where = ThreadSyscall.read(process.pid(), tid).map(sc -> sc.number() == ThreadSyscall.RUNNING
                    ? symbols.describe(runningRip.applyAsLong(id)) + " (running)"
                    : symbols.describe(sc.instructionPointer()) + (sc.blockedInSyscall() ? " (syscall " + sc.number() + ")" : ""))
                    .orElse("?");
            out.add(String.format("%7d %c %-16s %s", tid, state, name, where));
        }
        return out;
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
