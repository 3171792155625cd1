package tfix.engine.elf;

import java.util.ArrayList;
import java.util.List;

import net.fornwall.jelf.ElfRelocationAddendSection;
import net.fornwall.jelf.ElfSection;

/**
 * A file's R_X86_64_IRELATIVE relocations for one IFUNC resolver: slots the loader fills at load time (never
 * lazily) with the implementation the resolver picks, for the file's own calls to its IFUNC.
 */
public final class IrelativeSlots {
    static final int R_X86_64_IRELATIVE = 37;

    private IrelativeSlots() {
    }

    /** Link-time addresses of the slots whose addend is {@code resolver}; none when the relocations cannot be read. */
    public static List<Long> of(ElfImage image, long resolver) {
        return image.withJelf(elf -> {
            List<Long> out = new ArrayList<>();
            try {
                for (ElfSection sec : elf.sectionsOfType(4)) { // SHT_RELA
                    if (sec instanceof ElfRelocationAddendSection rela) {
                        for (var r : rela.relocations) {
                            if (r.getType() == R_X86_64_IRELATIVE && r.r_addend == resolver) {
                                out.add(r.r_offset);
                            }
                        }
                    }
                }
            } catch (RuntimeException e) {
                return List.<Long>of(); // damaged relocations: the importers' slots still tell
            }
            return List.copyOf(out);
        });
    }
}
