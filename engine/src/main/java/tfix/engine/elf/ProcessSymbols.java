package tfix.engine.elf;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

import tfix.engine.failure.Printable;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.process.Maps;
import tfix.engine.process.MemoryMap;

/**
 * The symbols of a process: its executable and every mapped library. Names resolve
 * to exactly one function or to an error that lists what the user can choose from.
 */
public final class ProcessSymbols {
    private final int pid;
    private final List<LoadedModule> modules;
    private final Demangler demangler;
    /** What {@link #load} looked at: the first mapping of every file mapped executable; null when not loaded from maps. */
    private final List<MemoryMap> scanned;

    public ProcessSymbols(int pid, List<LoadedModule> modules, Demangler demangler) {
        this(pid, modules, demangler, null);
    }

    private ProcessSymbols(int pid, List<LoadedModule> modules, Demangler demangler, List<MemoryMap> scanned) {
        this.pid = pid;
        this.modules = List.copyOf(modules);
        this.demangler = demangler;
        this.scanned = scanned;
    }

    /**
     * Whether these symbols still describe the process whose maps are now {@code maps}: no file mapped executable
     * came or went. Symbols read before waiting for another tfix (which may have loaded a patch) must be read again.
     */
    public boolean current(Maps maps) {
        return scanned == null || scanned.equals(executableFiles(maps));
    }

    private static List<MemoryMap> executableFiles(Maps maps) {
        return maps.files().values().stream().filter(ms -> ms.stream().anyMatch(MemoryMap::executable))
                .map(ms -> ms.get(0)).toList();
    }

    /**
     * Reads every mapped ELF file. Files are opened through /proc/PID/map_files when
     * possible, so the symbols match the file actually mapped even if it was replaced.
     */
    public static ProcessSymbols load(int pid, Maps maps, Function<MemoryMap, Path> opener, ElfCache cache, Demangler demangler) {
        List<LoadedModule> mods = new ArrayList<>();
        Path root = Path.of("/proc", Integer.toString(pid), "root"); // debug files as the target sees its files
        for (Map.Entry<String, List<MemoryMap>> e : maps.files().entrySet()) {
            List<MemoryMap> ms = e.getValue();
            if (ms.stream().noneMatch(MemoryMap::executable)) {
                continue;
            }
            Optional<ElfImage> img = cache.get(e.getKey(), opener.apply(ms.get(0)), ms.get(0).inode());
            String path = e.getKey();
            img.ifPresent(i -> mods.add(new LoadedModule(path, ms, i, () -> cache.debugFor(i, deleted(path), root))));
        }
        return new ProcessSymbols(pid, mods, demangler, executableFiles(maps));
    }

    /** The path a module had on disk: the kernel appends " (deleted)" once it is gone, and its debug file is kept by name. */
    private static String deleted(String path) {
        return path.endsWith(" (deleted)") ? path.substring(0, path.length() - " (deleted)".length()) : path;
    }

    public List<LoadedModule> modules() {
        return modules;
    }

    public Demangler demangler() {
        return demangler;
    }

    public Optional<LoadedModule> moduleAt(long address) {
        return modules.stream().filter(m -> m.contains(address)).findFirst();
    }

    public Optional<LoadedModule> moduleByPath(String path) {
        return modules.stream().filter(m -> m.path().equals(path)).findFirst();
    }

    /** "func+0x12 (libfoo.so)" for an address, for thread listings and messages. */
    public String describe(long address) {
        Optional<LoadedModule> m = moduleAt(address);
        if (m.isEmpty()) {
            return String.format("%#x", address);
        }
        Optional<Symbol> s = m.get().symbolAt(address);
        String where = m.get().fileName();
        return s.map(sym -> String.format("%s+%#x (%s)", displayName(sym), address - m.get().runtimeAddress(sym), where))
                .orElse(String.format("%#x (%s)", address, where));
    }

    public String displayName(Symbol s) {
        return demangler.demangle(s.plainName()).orElse(s.plainName());
    }

    /**
     * Resolves a user's function name. Forms: "name", "lib!name", "0xADDRESS";
     * {@code library} (may be null) restricts the search, {@code excluded} paths
     * (patch libraries) are skipped unless named.
     */
    public FunctionRef resolve(String query, String library, Collection<String> excluded) {
        FunctionRef f = lookup(query, library, excluded);
        if (f.symbol().type() == Symbol.STT_GNU_IFUNC) {
            throw new TfixException(Reason.UNSUPPORTED, "'" + query + "' is an IFUNC (a resolver that picks an implementation at load time):"
                    + " patch the implementation the process uses instead");
        }
        return f;
    }

    /** As {@link #resolve}, but an IFUNC is returned as itself (its resolver), for the caller to find what the process bound. */
    public FunctionRef lookup(String query, String library, Collection<String> excluded) {
        String name = query.trim();
        String lib = library;
        int bang = name.indexOf('!');
        if (bang > 0) {
            lib = name.substring(0, bang);
            name = name.substring(bang + 1);
        }
        if (name.matches("0[xX][0-9a-fA-F]+")) {
            return resolveAddress(Long.parseUnsignedLong(name.substring(2), 16));
        }
        final String libFilter = lib;
        List<LoadedModule> scope = modules.stream()
                .filter(m -> libFilter == null ? !excluded.contains(m.path()) && !m.isPatchCopy() : m.matchesLibrary(libFilter))
                .toList();
        if (modules.isEmpty() || (scope.isEmpty() && lib == null)) {
            throw new TfixException(Reason.PROCESS_GONE, "process " + pid + " has no mapped program files: it may be exiting");
        }
        if (scope.isEmpty()) {
            throw new TfixException(Reason.NOT_FOUND, "no library matching '" + lib + "' is loaded in process " + pid
                    + ": see the loaded files with `maps` or /proc/" + pid + "/maps");
        }
        Map<Long, FunctionRef> found = new LinkedHashMap<>();
        for (LoadedModule m : scope) {
            for (Symbol s : m.named(name)) {
                found.putIfAbsent(m.runtimeAddress(s), new FunctionRef(m, s, m.runtimeAddress(s), displayName(s)));
            }
        }
        if (found.isEmpty() && demangler.available()) {
            String key = Demangler.normalize(name);
            for (LoadedModule m : scope) {
                for (Map.Entry<String, List<Symbol>> e : m.sourceNames(demangler).entrySet()) {
                    if (sourceNameMatches(e.getKey(), key)) {
                        for (Symbol s : e.getValue()) {
                            found.putIfAbsent(m.runtimeAddress(s), new FunctionRef(m, s, m.runtimeAddress(s), displayName(s)));
                        }
                    }
                }
            }
        }
        if (found.isEmpty()) {
            throw notFound(query, name, scope, lib);
        }
        if (found.size() > 1) {
            String list = found.values().stream()
                    .map(f -> String.format("%s!%s at %#x%s", f.module().fileName(), f.displayName(), f.address(),
                            f.symbol().isLocal() ? " (static)" : ""))
                    .collect(Collectors.joining("; "));
            throw new TfixException(Reason.AMBIGUOUS, "'" + query + "' names " + found.size() + " functions: " + list
                    + "; name one as 'library!name' or by its address");
        }
        return found.values().iterator().next();
    }

    /**
     * "Role::getClassName()" matches "Role::getClassName() const"; a name without a parameter list matches every
     * overload ("Foo::operator()" too); spacing next to punctuation and a template instance's return type are ignored.
     */
    static boolean sourceNameMatches(String candidate, String query) {
        return candidate.equals(query) || SourceName.parse(candidate).namedBy(SourceName.parse(query));
    }

    private FunctionRef resolveAddress(long address) {
        LoadedModule m = moduleAt(address).orElseThrow(() -> new TfixException(Reason.NOT_FOUND,
                String.format("address %#x is not in any mapped file of process %d", address, pid)));
        Symbol s = m.symbolAt(address).filter(sym -> m.runtimeAddress(sym) == address).orElseThrow(() ->
                new TfixException(Reason.NOT_FOUND, String.format("no function starts at %#x (%s): give a function's entry address%s",
                        address, nearest(m, address), m.symbolAt(address).isPresent() ? ""
                                : ", or say how long the function is: replace '" + String.format("%#x", address) + "', length: N")));
        return new FunctionRef(m, s, address, displayName(s));
    }

    /** "libfoo.so+0x1139, 0x39 bytes past main": where an address is, by the nearest symbol before it. */
    String nearest(LoadedModule m, long address) {
        String at = String.format("%s+%#x", m.fileName(), address - m.bias());
        Optional<Symbol> s = m.nearestBefore(address);
        if (s.isEmpty()) {
            return at + ", before any symbol of the file";
        }
        long off = address - m.runtimeAddress(s.get());
        return at + (s.get().contains(address - m.bias()) ? String.format(", inside %s at +%#x", displayName(s.get()), off)
                : String.format(", %#x bytes past %s (%d bytes long), the nearest symbol before it", off, displayName(s.get()),
                s.get().size()));
    }

    private TfixException notFound(String query, String name, List<LoadedModule> scope, String lib) {
        List<String> near = new ArrayList<>();
        for (LoadedModule m : scope) {
            for (Symbol s : m.symbols()) {
                String n = s.plainName();
                if (n.startsWith(name + ".") || (n.equalsIgnoreCase(name) && !n.equals(name))) {
                    near.add(n);
                }
            }
        }
        String where = lib != null ? scope.get(0).fileName() : "process " + pid + " (" + scope.size() + " files searched)";
        // Only a file's own .symtab makes "probably inlined" the likely story: a distribution library named by its
        // debug package is rarely where the user's function is, so it does not turn a stripped program's case into that.
        List<LoadedModule> full = scope.stream().filter(ProcessSymbols::fullSymbolTable).toList();
        if (near.isEmpty() && !full.isEmpty()) {
            return new TfixException(Reason.NOT_FOUND, probablyInlined(query, name, full, scope.size() - full.size())
                    + ignoredDebugFiles(scope));
        }
        String hint = near.isEmpty()
                ? ": check the spelling (nm -C lists a file's functions); a stripped binary has no names for its static functions"
                        + " (install its debug package: tfix reads /usr/lib/debug by build-id)"
                : ": the compiler may have renamed it; did you mean " + Set.copyOf(near).stream().sorted().limit(5)
                        .map(n -> "'" + n + "'").collect(Collectors.joining(", ")) + "?";
        return new TfixException(Reason.NOT_FOUND, "function '" + query + "' not found in " + where + hint + ignoredDebugFiles(scope));
    }

    /** "; ignored debug file ...: its build-id ... is not the module's": why symbols the user installed were not used. */
    private static String ignoredDebugFiles(List<LoadedModule> scope) {
        String ignored = scope.stream().flatMap(m -> m.debug().notes().stream()).filter(n -> n.startsWith("ignored"))
                .limit(3).map(Printable::of).collect(Collectors.joining("; "));
        return ignored.isEmpty() ? "" : "; " + ignored;
    }

    /** A module that kept its own .symtab names every function it has, static ones included, unless it was inlined. */
    private static boolean fullSymbolTable(LoadedModule m) {
        return m.image().symbols().stream().anyMatch(s -> s.table().equals(".symtab"));
    }

    /** The module's DWARF, when it has some, names the functions an inlined copy went into. */
    private static String probablyInlined(String query, String name, List<LoadedModule> full, int stripped) {
        String files = full.stream().map(m -> Printable.of(m.path())).collect(Collectors.joining(", "));
        String head = "function '" + Printable.of(query) + "' not found: no symbol in " + files + (full.size() == 1 ? " (which has" : " (which have")
                + " a full symbol table" + (stripped > 0 ? "; " + stripped + " other file" + (stripped == 1 ? "" : "s")
                + " searched too" : "") + ")";
        TreeSet<String> callers = new TreeSet<>();
        full.forEach(m -> InlinedCallers.of(m.image(), name).ifPresent(callers::addAll));
        if (!callers.isEmpty()) {
            return head + ": its debug information shows it inlined into " + callers.stream().limit(8).map(Printable::of)
                    .collect(Collectors.joining(", ")) + (callers.size() > 8 ? " and " + (callers.size() - 8) + " more" : "")
                    + "; replace those callers instead";
        }
        return head + ": a static function without a symbol was probably inlined into its callers; replace the callers"
                + " instead (or check the spelling: nm lists a file's functions)";
    }
}
