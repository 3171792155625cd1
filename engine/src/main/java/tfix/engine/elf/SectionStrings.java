package tfix.engine.elf;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The NUL-terminated strings of one named section of a file (a patch's fix table, its
 * reference hints). The file is untrusted: the section is read only if it lies inside the
 * file (see {@link ElfImage#section}) and is not larger than {@link #MAX_BYTES}.
 */
public final class SectionStrings {
    /** A fix table of a few hundred entries fits many times over. */
    public static final int MAX_BYTES = 1 << 20;

    private SectionStrings() {
    }

    /** The strings, in file order (empty ones included); none when the section is absent. */
    public static List<String> read(ElfImage image, String sectionName) {
        Optional<ElfImage.CodeRange> section = image.section(sectionName);
        if (section.isEmpty()) {
            return List.of();
        }
        ElfImage.CodeRange h = section.get();
        if (h.size() > MAX_BYTES) {
            throw new IllegalArgumentException(String.format("section %s holds %d bytes, more than the %d a table may",
                    sectionName, h.size(), MAX_BYTES));
        }
        byte[] bytes = image.fileBytes(h.offset(), (int) h.size());
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
