package tfix.engine.elf;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import net.fornwall.jelf.ElfFile;
import net.fornwall.jelf.ElfSymbol;
import net.fornwall.jelf.ElfSymbolTableSection;

/**
 * Every symbol a file defines, data and thread-local variables included, each local with the source file
 * that the .symtab's STT_FILE entries give it: what a patch's references to the program resolve against.
 * Kept apart from {@link ElfImage#symbols()}, which holds functions only, so function lookup is unchanged.
 */
public final class SymbolDefinitions {
    public static final int STT_NOTYPE = 0;
    public static final int STT_OBJECT = 1;
    public static final int STT_FUNC = 2;
    public static final int STT_FILE = 4;
    public static final int STT_TLS = 6;
    public static final int STT_GNU_IFUNC = 10;
    private static final int SHN_LORESERVE = 0xff00;

    /** A defined symbol; {@code sourceFile} is null for globals and for locals no STT_FILE precedes. */
    public record Definition(String name, long value, long size, int type, boolean local, String sourceFile) {
        /** "static variable", "function"...: what the user declared, in words. */
        public String kind() {
            String what = switch (type) {
                case STT_OBJECT -> "variable";
                case STT_FUNC -> "function";
                case STT_TLS -> "thread-local variable";
                case STT_GNU_IFUNC -> "IFUNC";
                default -> "symbol";
            };
            return local ? "static " + what : what;
        }
    }

    public static final SymbolDefinitions NONE = new SymbolDefinitions(Map.of(), false);
    private final Map<String, List<Definition>> byName;
    private final boolean hasSymtab;

    private SymbolDefinitions(Map<String, List<Definition>> byName, boolean hasSymtab) {
        this.byName = byName;
        this.hasSymtab = hasSymtab;
    }

    /** Definitions of a name (without version suffix), one per address and type: .dynsym repeats .symtab's globals. */
    public List<Definition> named(String name) {
        return byName.getOrDefault(name, List.of());
    }

    /** Every definition of the file, in no particular order. */
    public List<Definition> all() {
        return byName.values().stream().flatMap(List::stream).toList();
    }

    /** Whether the file lost its .symtab: its static and hidden symbols are unknown. */
    public boolean stripped() {
        return !hasSymtab;
    }

    /** These definitions and another file's of the same module (its debug file): one per address and type. */
    SymbolDefinitions with(SymbolDefinitions more) {
        Map<String, List<Definition>> all = new HashMap<>();
        byName.forEach((k, v) -> all.put(k, new ArrayList<>(v)));
        more.byName.forEach((k, v) -> {
            List<Definition> same = all.computeIfAbsent(k, x -> new ArrayList<>(1));
            v.stream().filter(d -> same.stream().noneMatch(o -> o.value() == d.value() && o.type() == d.type())).forEach(same::add);
        });
        return new SymbolDefinitions(all, hasSymtab || more.hasSymtab);
    }

    static SymbolDefinitions read(ElfFile elf) {
        Map<String, List<Definition>> byName = new HashMap<>();
        ElfSymbolTableSection symtab = table(elf, true);
        add(byName, symtab);
        add(byName, table(elf, false));
        return new SymbolDefinitions(byName, symtab != null);
    }

    private static ElfSymbolTableSection table(ElfFile elf, boolean full) {
        try {
            return full ? elf.getSymbolTableSection() : elf.getDynamicSymbolTableSection();
        } catch (RuntimeException e) {
            return null; // a damaged table is no table: its names stay unknown
        }
    }

    private static void add(Map<String, List<Definition>> out, ElfSymbolTableSection table) {
        if (table == null) {
            return;
        }
        String file = null;
        for (ElfSymbol s : table.symbols) {
            String name;
            try {
                name = s.getName();
            } catch (RuntimeException e) {
                continue;
            }
            int type = s.getType();
            boolean local = s.getBinding() == Symbol.STB_LOCAL;
            if (type == STT_FILE) {
                file = name == null || name.isEmpty() ? null : name;
                continue;
            }
            int shndx = s.st_shndx & 0xffff;
            boolean kept = type == STT_NOTYPE || type == STT_OBJECT || type == STT_FUNC || type == STT_TLS
                    || type == STT_GNU_IFUNC;
            // Undefined, absolute and common symbols have no address in this file; only a TLS offset may be 0.
            if (!kept || shndx == 0 || shndx >= SHN_LORESERVE || (s.st_value == 0 && type != STT_TLS)
                    || name == null || name.isEmpty()) {
                continue;
            }
            int at = name.indexOf('@');
            String plain = at > 0 ? name.substring(0, at) : name;
            Definition d = new Definition(plain, s.st_value, s.st_size, type, local, local ? file : null);
            List<Definition> same = out.computeIfAbsent(plain, k -> new ArrayList<>(1));
            if (same.stream().noneMatch(o -> o.value() == d.value() && o.type() == d.type())) {
                same.add(d);
            }
        }
    }
}
