package tfix.engine.elf;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import net.fornwall.jelf.ElfFile;
import net.fornwall.jelf.ElfSymbol;
import net.fornwall.jelf.ElfSymbolTableSection;

/** The function symbols of a parsed file's .symtab and .dynsym: the costly part of reading a file, so done only when asked. */
final class SymbolTables {
    private SymbolTables() {
    }

    static List<Symbol> functions(ElfFile elf) {
        List<Symbol> syms = new ArrayList<>();
        add(syms, safe(elf::getSymbolTableSection), ".symtab");
        add(syms, safe(elf::getDynamicSymbolTableSection), ".dynsym");
        return List.copyOf(syms);
    }

    /** A table jelf cannot read is no table: the file's other parts may still be good. */
    static ElfSymbolTableSection safe(Supplier<ElfSymbolTableSection> g) {
        try {
            return g.get();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static void add(List<Symbol> out, ElfSymbolTableSection table, String tableName) {
        if (table == null) {
            return;
        }
        for (ElfSymbol s : table.symbols) {
            int type = s.getType();
            if ((type != Symbol.STT_FUNC && type != Symbol.STT_GNU_IFUNC) || s.st_shndx == 0 || s.st_value == 0) {
                continue;
            }
            String name;
            try {
                name = s.getName();
            } catch (RuntimeException e) {
                continue;
            }
            if (name != null && !name.isEmpty()) {
                out.add(new Symbol(name, s.st_value, s.st_size, type, s.getBinding(), tableName));
            }
        }
    }
}
