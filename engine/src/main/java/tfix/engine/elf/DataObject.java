package tfix.engine.elf;

import java.util.Optional;

import net.fornwall.jelf.ElfFile;
import net.fornwall.jelf.ElfSegment;
import net.fornwall.jelf.ElfSymbol;
import net.fornwall.jelf.ElfSymbolTableSection;

/**
 * A symbol a file defines, as a variable's reader needs it: its type, size, and whether it lies where the
 * program may write once loaded (a writable PT_LOAD segment, outside the range made read-only after
 * relocation, PT_GNU_RELRO).
 */
public record DataObject(String name, long value, long size, int type, boolean writable) {
    public static final int STT_OBJECT = 1;
    private static final int PT_GNU_RELRO = 0x6474e552;

    public boolean isObject() {
        return type == STT_OBJECT;
    }

    /** The defined symbol of that name (the dynamic table first), any type. */
    public static Optional<DataObject> find(ElfImage image, String name) {
        ElfFile elf = image.parsed();
        for (ElfSymbolTableSection t : new ElfSymbolTableSection[] {table(elf, true), table(elf, false)}) {
            if (t == null) {
                continue;
            }
            for (ElfSymbol s : t.symbols) {
                if (s.st_shndx != 0 && name.equals(nameOf(s))) {
                    return Optional.of(new DataObject(name, s.st_value, s.st_size, s.getType(), writable(elf, s.st_value, s.st_size)));
                }
            }
        }
        return Optional.empty();
    }

    private static String nameOf(ElfSymbol s) {
        try {
            return s.getName();
        } catch (RuntimeException e) {
            return null; // a damaged name: not the one asked for
        }
    }

    private static ElfSymbolTableSection table(ElfFile elf, boolean dynamic) {
        try {
            return dynamic ? elf.getDynamicSymbolTableSection() : elf.getSymbolTableSection();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static boolean writable(ElfFile elf, long value, long size) {
        boolean inWritable = false;
        for (int i = 0; i < elf.e_phnum; i++) {
            ElfSegment ph = elf.getProgramHeader(i);
            boolean inside = value >= ph.p_vaddr && size >= 0 && value + size <= ph.p_vaddr + ph.p_memsz;
            if (ph.p_type == PT_GNU_RELRO && value + size > ph.p_vaddr && value < ph.p_vaddr + ph.p_memsz) {
                return false;
            }
            inWritable |= ph.p_type == ElfSegment.PT_LOAD && ph.isWriteable() && inside;
        }
        return inWritable;
    }
}
