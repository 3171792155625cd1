package tfix.engine.elf;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.tukaani.xz.XZInputStream;
import tfix.engine.failure.TfixException;

/**
 * MiniDebugInfo: the .gnu_debugdata section some distributions (Fedora) add to stripped files, an
 * xz-compressed ELF file holding the .symtab the strip removed. A hostile module could carry an xz bomb,
 * so the compressed size, the decoder's memory and the decompressed size are all capped.
 */
final class MiniDebugInfo {
    static final int MAX_COMPRESSED = 16 << 20;
    static final int MAX_DECOMPRESSED = 64 << 20;
    /** The decoder's memory limit in KiB: xz's own presets use dictionaries of at most 64 MiB. */
    private static final int MEMORY_LIMIT_KIB = 64 << 10;

    private MiniDebugInfo() {
    }

    /** The embedded symbol file, or empty with a note in {@code notes} saying why it was not used. */
    static Optional<ElfImage> read(ElfImage module, String modulePath, List<String> notes) {
        Optional<ElfImage.CodeRange> s = module.section(".gnu_debugdata");
        if (s.isEmpty()) {
            return Optional.empty();
        }
        String where = modulePath + " .gnu_debugdata";
        if (s.get().size() > MAX_COMPRESSED) {
            notes.add("ignored " + where + ": " + s.get().size() + " compressed bytes, more than MiniDebugInfo ever holds");
            return Optional.empty();
        }
        byte[] elf;
        try (XZInputStream in = new XZInputStream(new ByteArrayInputStream(
                module.fileBytes(s.get().offset(), (int) s.get().size())), MEMORY_LIMIT_KIB)) {
            elf = in.readNBytes(MAX_DECOMPRESSED + 1);
        } catch (IOException | RuntimeException e) {
            notes.add("ignored " + where + ": not valid xz data (" + e.getMessage() + ")");
            return Optional.empty();
        }
        if (elf.length > MAX_DECOMPRESSED) {
            notes.add("ignored " + where + ": it decompresses to more than " + (MAX_DECOMPRESSED >> 20) + " MiB");
            return Optional.empty();
        }
        try {
            ElfImage image = ElfImage.read(Path.of(where), elf);
            if (image.buildId().isPresent() && !image.buildId().equals(module.buildId())) { // usually none: it is the module's own
                notes.add("ignored " + where + ": its build-id " + image.buildId().get() + " is not the module's");
                return Optional.empty();
            }
            notes.add("symbols from " + where + " (MiniDebugInfo, " + image.symbols().size() + " functions)");
            return Optional.of(image);
        } catch (TfixException e) {
            notes.add("ignored " + where + ": " + e.getMessage());
            return Optional.empty();
        }
    }
}
