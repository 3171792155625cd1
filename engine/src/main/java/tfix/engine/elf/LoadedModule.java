package tfix.engine.elf;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import tfix.engine.process.MemoryMap;

/**
 * An ELF file mapped into the target, with the bias that turns its link-time
 * addresses into the process's addresses.
 */
public final class LoadedModule {
    private static final String DELETED = " (deleted)";
    private final String path;
    private final List<MemoryMap> mappings;
    private final ElfImage image;
    private final long bias;
    /** Its separate debug file or MiniDebugInfo, looked for on first need (see {@link DebugFiles}). */
    private final Supplier<DebugSymbols> debugSource;
    private DebugSymbols debug;
    /** Its look-up tables, shared with every process that maps the same build (they hold link-time addresses). */
    private SymbolIndex index;

    /** {@code mappings}: every mapping of the file; the loader's are picked out of them ({@link LoaderPlacement}). */
    public LoadedModule(String path, List<MemoryMap> mappings, ElfImage image) {
        this(path, mappings, image, () -> DebugSymbols.NONE);
    }

    /** {@code debug}: finds the symbols kept apart from the file (called once, when first needed). */
    public LoadedModule(String path, List<MemoryMap> mappings, ElfImage image, Supplier<DebugSymbols> debug) {
        LoaderPlacement placed = LoaderPlacement.of(mappings, image);
        this.path = path;
        this.mappings = placed.mappings();
        this.image = image;
        this.bias = placed.bias();
        this.debugSource = debug;
    }

    /** What its debug files added, or why they were ignored. */
    public synchronized DebugSymbols debug() {
        return debug != null ? debug : (debug = debugSource.get());
    }

    /** Its function symbols: the file's own, then those only its debug file or MiniDebugInfo names (static functions). */
    public List<Symbol> symbols() {
        return index().symbols();
    }

    private synchronized SymbolIndex index() {
        return index != null ? index : (index = SymbolIndex.of(image, debug()));
    }

    /** Every symbol it defines, data included, its debug file's too: what a patch's references resolve against. */
    public SymbolDefinitions definitions() {
        return index().definitions();
    }

    /** The first symbol start after a link-time address, or Long.MAX_VALUE, its debug file's symbols included. */
    public long nextSymbolAfter(long link) {
        return debug().nextSymbolAfter(link, image.nextSymbolAfter(link));
    }

    public String path() {
        return path;
    }

    /**
     * The file's name, without the " (deleted)" the kernel appends once the file is deleted or replaced on disk;
     * for a patch's memfd copy, the name of the file it copies.
     */
    public String fileName() {
        if (isPatchCopy()) {
            String rest = onDisk().substring(MemoryMap.PATCH_COPY.length());
            int colon = rest.indexOf(':');
            return colon >= 0 ? rest.substring(colon + 1) : rest;
        }
        return Path.of(onDisk()).getFileName().toString();
    }

    /** A patch tfix handed the target through a memfd: a patch library, never searched for the program's names. */
    public boolean isPatchCopy() {
        return MemoryMap.isPatchCopy(path);
    }

    private String onDisk() {
        return path.endsWith(DELETED) ? path.substring(0, path.length() - DELETED.length()) : path;
    }

    public List<MemoryMap> mappings() {
        return mappings;
    }

    public ElfImage image() {
        return image;
    }

    public long bias() {
        return bias;
    }

    public long runtimeAddress(Symbol s) {
        return bias + s.value();
    }

    public boolean contains(long address) {
        return mappings.stream().anyMatch(m -> m.contains(address));
    }

    /** Does a user's library name ("libfoo.so", "libfoo", a full path) name this module? */
    public boolean matchesLibrary(String lib) {
        if (lib.startsWith("/")) {
            return path.equals(lib) || onDisk().equals(lib);
        }
        String name = fileName();
        return name.equals(lib) || name.startsWith(lib + ".") || name.startsWith(lib + "-");
    }

    public List<Symbol> named(String plainName) {
        return index().named(plainName);
    }

    /** Symbols whose demangled, normalised source name equals the key. */
    public Map<String, List<Symbol>> sourceNames(Demangler demangler) {
        return index().sourceNames(demangler);
    }

    /** The function symbol covering a process address, if any. */
    public Optional<Symbol> symbolAt(long address) {
        List<Symbol> byAddress = index().byAddress();
        int found = lastAtOrBefore(byAddress, address - bias);
        long link = address - bias;
        for (int i = found; i >= 0 && i > found - 8; i--) {
            Symbol s = byAddress.get(i);
            if (s.contains(link)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /** The function symbol starting nearest before a process address (or at it), covering it or not: for messages. */
    public Optional<Symbol> nearestBefore(long address) {
        List<Symbol> byAddress = index().byAddress();
        int i = lastAtOrBefore(byAddress, address - bias);
        return i < 0 ? Optional.empty() : Optional.of(byAddress.get(i));
    }

    /** The index of the last symbol starting at or before a link-time address, or -1. */
    private static int lastAtOrBefore(List<Symbol> byAddress, long link) {
        int lo = 0, hi = byAddress.size() - 1, found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (byAddress.get(mid).value() <= link) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }
}
