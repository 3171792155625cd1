package tfix.engine.elf;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The look-up tables of one build of a file with its debug files: its function symbols, by name, by source name and
 * by address, and every definition, all at link-time addresses. They depend on the files only, not on where a process
 * mapped them, so every process mapping the same build shares one (a fleet builds libc's name index once, not once per
 * process). Built on first need, thread-safe.
 */
final class SymbolIndex {
    private final ElfImage image;
    private final DebugSymbols debug;
    private List<Symbol> symbols;
    private Map<String, List<Symbol>> byName;
    private Map<String, List<Symbol>> bySourceName;
    private Demangler demangledBy;
    private List<Symbol> byAddress;
    private SymbolDefinitions definitions;

    private SymbolIndex(ElfImage image, DebugSymbols debug) {
        this.image = image;
        this.debug = debug;
    }

    /** The index of this image joined with these debug files: the one already built when the files are the same. */
    static SymbolIndex of(ElfImage image, DebugSymbols debug) {
        List<SymbolIndex> known = image.indexes; // kept with the image (an ElfCache entry, one per file identity)
        synchronized (known) {
            for (SymbolIndex x : known) {
                if (x.debug.sameFiles(debug)) {
                    return x;
                }
            }
            SymbolIndex made = new SymbolIndex(image, debug);
            known.add(made);
            return made;
        }
    }

    synchronized List<Symbol> symbols() {
        return symbols != null ? symbols : (symbols = debug.functions(image.symbols()));
    }

    synchronized SymbolDefinitions definitions() {
        return definitions != null ? definitions : (definitions = debug.definitions(image.definitions()));
    }

    synchronized List<Symbol> named(String plainName) {
        if (byName == null) {
            Map<String, List<Symbol>> m = new HashMap<>();
            for (Symbol s : symbols()) {
                m.computeIfAbsent(s.plainName(), k -> new ArrayList<>(1)).add(s);
            }
            byName = m;
        }
        return byName.getOrDefault(plainName, List.of());
    }

    /** Symbols by demangled, normalised source name (built again only for another demangler). */
    synchronized Map<String, List<Symbol>> sourceNames(Demangler demangler) {
        if (bySourceName == null || demangledBy != demangler) {
            Map<String, List<Symbol>> m = new HashMap<>();
            for (Symbol s : symbols()) {
                demangler.demangle(s.plainName()).ifPresent(d ->
                        m.computeIfAbsent(Demangler.normalize(d), k -> new ArrayList<>(1)).add(s));
            }
            bySourceName = m;
            demangledBy = demangler;
        }
        return bySourceName;
    }

    /** Its function symbols sorted by link-time address. */
    synchronized List<Symbol> byAddress() {
        if (byAddress == null) {
            List<Symbol> l = new ArrayList<>(symbols());
            l.sort(Comparator.comparingLong(Symbol::value));
            byAddress = List.copyOf(l);
        }
        return byAddress;
    }
}
