package tfix.engine.elf;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import net.fornwall.jelf.ElfFile;
import net.fornwall.jelf.ElfSymbol;
import net.fornwall.jelf.ElfSymbolTableSection;

/** The text a data symbol of a file holds (a patch's carried build-id pin), read at most 4 KiB. */
final class StringSymbols {
    private StringSymbols() {
    }

    static Optional<String> read(ElfImage image, ElfFile elf, String name) {
        for (ElfSymbolTableSection t : new ElfSymbolTableSection[] {table(elf, true), table(elf, false)}) {
            if (t == null) {
                continue;
            }
            for (ElfSymbol s : t.symbols) {
                String n;
                try {
                    n = s.getName();
                } catch (RuntimeException e) {
                    continue;
                }
                if (name.equals(n) && s.st_shndx != 0) {
                    Optional<Long> off = image.fileOffset(s.st_value);
                    if (off.isEmpty() || off.get() < 0 || off.get() >= image.fileSize()) {
                        return Optional.empty();
                    }
                    byte[] text = image.fileBytes(off.get(), 4096);
                    int end = 0;
                    while (end < text.length && text[end] != 0) {
                        end++;
                    }
                    return Optional.of(new String(text, 0, end, StandardCharsets.UTF_8));
                }
            }
        }
        return Optional.empty();
    }

    private static ElfSymbolTableSection table(ElfFile elf, boolean dynamic) {
        try {
            return dynamic ? elf.getDynamicSymbolTableSection() : elf.getSymbolTableSection();
        } catch (RuntimeException e) {
            return null;
        }
    }
}
