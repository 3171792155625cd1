package tfix.engine.elf;

import java.util.ArrayList;
import java.util.List;

import net.fornwall.jelf.ElfFile;
import net.fornwall.jelf.ElfRelocationAddendSection;
import net.fornwall.jelf.ElfRelocationSection;
import net.fornwall.jelf.ElfSection;

/** Every link-time address a file's dynamic relocations write to: bytes a jump must never cover. */
final class RelocationOffsets {
    private RelocationOffsets() {
    }

    /** Sorted; none when the relocation sections cannot be read (nothing to avoid then). */
    static long[] read(ElfFile elf) {
        List<Long> offs = new ArrayList<>();
        try {
            for (ElfSection sec : elf.sectionsOfType(4)) { // SHT_RELA
                if (sec instanceof ElfRelocationAddendSection r) {
                    for (var rel : r.relocations) {
                        offs.add(rel.r_offset);
                    }
                }
            }
            for (ElfSection sec : elf.sectionsOfType(9)) { // SHT_REL
                if (sec instanceof ElfRelocationSection r) {
                    for (var rel : r.relocations) {
                        offs.add(rel.r_offset);
                    }
                }
            }
        } catch (RuntimeException e) {
            // No relocation sections readable: nothing to avoid.
        }
        return offs.stream().mapToLong(Long::longValue).sorted().toArray();
    }
}
