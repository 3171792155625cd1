package tfix.engine.elf;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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
    private Map<String, List<Symbol>> byName;
    private Map<String, List<Symbol>> bySourceName;
    private List<Symbol> byAddress;

    /** {@code mappings}: every mapping of the file; the loader's are picked out of them ({@link LoaderPlacement}). */
    public LoadedModule(String path, List<MemoryMap> mappings, ElfImage image) {
        LoaderPlacement placed = LoaderPlacement.of(mappings, image);
        this.path = path;
        this.mappings = placed.mappings();
        this.image = image;
        this.bias = placed.bias();
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

    public synchronized List<Symbol> named(String plainName) {
        if (byName == null) {
            Map<String, List<Symbol>> m = new HashMap<>();
            for (Symbol s : image.symbols()) {
                m.computeIfAbsent(s.plainName(), k -> new ArrayList<>(1)).add(s);
            }
            byName = m;
        }
        return byName.getOrDefault(plainName, List.of());
    }

    /** Symbols whose demangled, normalised source name equals the key. */
    public synchronized Map<String, List<Symbol>> sourceNames(Demangler demangler) {
        if (bySourceName == null) {
            Map<String, List<Symbol>> m = new HashMap<>();
            for (Symbol s : image.symbols()) {
                demangler.demangle(s.plainName()).ifPresent(d ->
                        m.computeIfAbsent(Demangler.normalize(d), k -> new ArrayList<>(1)).add(s));
            }
            bySourceName = m;
        }
        return bySourceName;
    }

    /** The function symbol covering a process address, if any. */
    public synchronized Optional<Symbol> symbolAt(long address) {
        if (byAddress == null) {
            List<Symbol> l = new ArrayList<>(image.symbols());
            l.sort(Comparator.comparingLong(Symbol::value));
            byAddress = l;
        }
        long link = address - bias;
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
        for (int i = found; i >= 0 && i > found - 8; i--) {
            Symbol s = byAddress.get(i);
            if (s.contains(link)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}
