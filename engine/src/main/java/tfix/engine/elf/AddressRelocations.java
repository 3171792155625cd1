package tfix.engine.elf;

import java.util.ArrayList;
import java.util.List;

import net.fornwall.jelf.ElfFile;
import net.fornwall.jelf.ElfRelocationAddend;
import net.fornwall.jelf.ElfRelocationAddendSection;
import net.fornwall.jelf.ElfSection;
import net.fornwall.jelf.ElfSymbol;
import net.fornwall.jelf.ElfSymbolTableSection;

/**
 * The dynamic relocations that store a function's address in memory: a pointer in data (a table of
 * functions, a vtable), a GOT or PLT entry. Each is a place the address is taken, which no rewrite of
 * the function's direct callers would follow. Reads the file only; a damaged table reads as what it held.
 */
public final class AddressRelocations {
    private static final int R_X86_64_64 = 1;
    private static final int R_X86_64_GLOB_DAT = 6;
    private static final int R_X86_64_JUMP_SLOT = 7;
    private static final int R_X86_64_RELATIVE = 8;

    private AddressRelocations() {
    }

    /** Each relocation writing {@code link}'s address (by addend, or by the symbol {@code name}), in words. */
    public static List<String> to(ElfImage image, long link, String name) {
        return image.withJelf(elf -> {
            List<String> found = new ArrayList<>();
            try {
                for (ElfSection sec : elf.sectionsOfType(4)) { // SHT_RELA
                    if (sec instanceof ElfRelocationAddendSection r) {
                        for (ElfRelocationAddend rel : r.relocations) {
                            String kind = kind(rel, link, name);
                            if (kind != null) {
                                found.add(String.format("%s relocation at link address %#x%s", kind, rel.r_offset,
                                        holder(elf, rel.r_offset)));
                            }
                        }
                    }
                }
            } catch (RuntimeException e) {
                found.add("relocations tfix could not read (" + e.getMessage() + ")"); // unread is not none
            }
            return found;
        });
    }

    private static String kind(ElfRelocationAddend rel, long link, String name) {
        long type = rel.getType();
        if (type == R_X86_64_RELATIVE) {
            return rel.r_addend == link ? "R_X86_64_RELATIVE" : null;
        }
        if (type != R_X86_64_64 && type != R_X86_64_GLOB_DAT && type != R_X86_64_JUMP_SLOT) {
            return null;
        }
        ElfSymbol s = rel.getSymbol();
        if (s == null || !name.equals(s.getName())) {
            return null;
        }
        return type == R_X86_64_64 ? "R_X86_64_64" : type == R_X86_64_GLOB_DAT ? "GOT (R_X86_64_GLOB_DAT)" : "PLT (R_X86_64_JUMP_SLOT)";
    }

    /** " (table+0x8)": the data symbol the relocated word lies in, when the symbol table names one. */
    private static String holder(ElfFile elf, long offset) {
        try {
            ElfSymbolTableSection symtab = elf.getSymbolTableSection();
            for (ElfSymbol s : symtab == null ? new ElfSymbol[0] : symtab.symbols) {
                if (s.getType() == 1 /* STT_OBJECT */ && offset >= s.st_value && offset < s.st_value + Math.max(s.st_size, 1)) {
                    return String.format(" (%s+%#x)", s.getName(), offset - s.st_value);
                }
            }
        } catch (RuntimeException e) {
            // no readable symbol table: the address alone names the place
        }
        return "";
    }
}
