package tfix.engine.elf;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The symbols a module's separate debug file or MiniDebugInfo adds to its own (see {@link DebugFiles}), and
 * notes on what was used or ignored and why. The files share the module's link-time addresses (their build-id
 * is the module's), so their symbols join the module's as they are.
 */
public final class DebugSymbols {
    public static final DebugSymbols NONE = new DebugSymbols(List.of(), List.of());
    private final List<ElfImage> images;
    private final List<String> notes;

    DebugSymbols(List<ElfImage> images, List<String> notes) {
        this.images = List.copyOf(images);
        this.notes = List.copyOf(notes);
    }

    /** What was read or ignored, and why: for messages and a debug log. */
    public List<String> notes() {
        return notes;
    }

    /** The files the symbols came from (a MiniDebugInfo's is the module's name with " .gnu_debugdata"). */
    public List<Path> files() {
        return images.stream().map(ElfImage::file).toList();
    }

    /** Whether both add the same files (the same parsed images): their symbols joined to a module are the same. */
    boolean sameFiles(DebugSymbols other) {
        if (other.images.size() != images.size()) {
            return false;
        }
        for (int i = 0; i < images.size(); i++) {
            if (other.images.get(i) != images.get(i)) {
                return false;
            }
        }
        return true;
    }

    /** The module's own function symbols, then those only the debug files have. */
    List<Symbol> functions(List<Symbol> own) {
        if (images.isEmpty()) {
            return own;
        }
        List<Symbol> all = new ArrayList<>(own);
        Set<String> known = new HashSet<>();
        own.forEach(s -> known.add(s.name() + "@" + s.value()));
        for (ElfImage i : images) {
            for (Symbol s : i.symbols()) {
                if (known.add(s.name() + "@" + s.value())) {
                    all.add(s);
                }
            }
        }
        return List.copyOf(all);
    }

    /** The module's own definitions joined with the debug files' (data and statics included). */
    SymbolDefinitions definitions(SymbolDefinitions own) {
        SymbolDefinitions all = own;
        for (ElfImage i : images) {
            all = all.with(i.definitions());
        }
        return all;
    }

    /** The first symbol start after a link-time address in any of the files, given the module's own. */
    long nextSymbolAfter(long link, long own) {
        long next = own;
        for (ElfImage i : images) {
            next = Math.min(next, i.nextSymbolAfter(link));
        }
        return next;
    }
}
