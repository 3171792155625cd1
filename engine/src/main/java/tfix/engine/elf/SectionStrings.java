package tfix.engine.elf;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import net.fornwall.jelf.ElfSection;

/**
 * The NUL-terminated strings of one named section of a file (a patch's fix table, its
 * reference hints). The file is untrusted: the section is read only if it lies inside the
 * file and is not larger than {@link #MAX_BYTES}.
 */
public final class SectionStrings {
    /** A fix table of a few hundred entries fits many times over. */
    public static final int MAX_BYTES = 1 << 20;

    private SectionStrings() {
    }

    /** The strings, in file order (empty ones included); none when the section is absent. */
    public static List<String> read(ElfImage image, String sectionName) {
        ElfSection section;
        try {
            section = image.jelf().firstSectionByName(sectionName);
        } catch (RuntimeException e) {
            return List.of();
        }
        if (section == null) {
            return List.of();
        }
        var h = section.header;
        if (h.sh_type == 8 || h.sh_size <= 0) { // SHT_NOBITS: no bytes in the file
            return List.of();
        }
        if (h.sh_size > MAX_BYTES || h.sh_offset < 0 || h.sh_offset > image.fileSize() - h.sh_size) {
            throw new IllegalArgumentException(String.format("section %s (%d bytes at %#x) is larger than %d bytes or not"
                    + " inside the file", sectionName, h.sh_size, h.sh_offset, MAX_BYTES));
        }
        byte[] bytes = image.fileBytes(h.sh_offset, (int) h.sh_size);
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                out.add(new String(bytes, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (start < bytes.length) {
            out.add(new String(bytes, start, bytes.length - start, StandardCharsets.UTF_8));
        }
        return out;
    }
}
