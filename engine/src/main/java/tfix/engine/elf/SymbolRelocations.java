package tfix.engine.elf;

import java.util.ArrayList;
import java.util.List;

import net.fornwall.jelf.ElfFile;
import net.fornwall.jelf.ElfRelocationAddendSection;
import net.fornwall.jelf.ElfSection;
import net.fornwall.jelf.ElfSymbol;
import net.fornwall.jelf.ElfSymbolTableSection;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/**
 * The dynamic relocations of a file that name one symbol: where the loader writes its address (a GOT slot,
 * a pointer in data) and how. Read from SHT_RELA sections linked to the dynamic symbol table; a file
 * whose relocations cannot be read is one clear failure, never a guess that it imports nothing.
 */
public final class SymbolRelocations {
    /** x86-64 relocation types, as the psABI numbers them. */
    public static final int R_X86_64_64 = 1;
    public static final int R_X86_64_GLOB_DAT = 6;
    public static final int R_X86_64_JUMP_SLOT = 7;

    /** One relocation: its link-time target address, type and addend. */
    public record Relocation(long offset, int type, long addend) {
        public String typeName() {
            return switch (type) {
                case R_X86_64_64 -> "R_X86_64_64";
                case R_X86_64_GLOB_DAT -> "R_X86_64_GLOB_DAT";
                case R_X86_64_JUMP_SLOT -> "R_X86_64_JUMP_SLOT";
                default -> "relocation type " + type;
            };
        }
    }

    private SymbolRelocations() {
    }

    static List<Relocation> read(ElfFile elf, String symbol, java.nio.file.Path file) {
        List<Relocation> out = new ArrayList<>();
        try {
            for (ElfSection sec : elf.sectionsOfType(4)) { // SHT_RELA
                if (!(sec instanceof ElfRelocationAddendSection rela)
                        || !(elf.getSection(sec.header.sh_link) instanceof ElfSymbolTableSection table)
                        || table.header.sh_type != 11) { // SHT_DYNSYM: only what the loader resolves
                    continue;
                }
                for (var r : rela.relocations) {
                    int index = r.getSymbolIndex();
                    if (index <= 0 || index >= table.symbols.length) {
                        continue;
                    }
                    ElfSymbol s = table.symbols[index];
                    if (symbol.equals(s.getName())) {
                        out.add(new Relocation(r.r_offset, (int) r.getType(), r.r_addend));
                    }
                }
            }
            if (!elf.sectionsOfType(9).isEmpty()) { // SHT_REL: not used on x86-64; never trust a file that has it
                throw new IllegalStateException("REL (not RELA) relocations on x86-64");
            }
        } catch (RuntimeException e) {
            throw new TfixException(Reason.UNSUPPORTED, "cannot read the dynamic relocations of " + file + ": "
                    + e.getMessage() + "; replace the function itself (without in:)");
        }
        return List.copyOf(out);
    }
}
