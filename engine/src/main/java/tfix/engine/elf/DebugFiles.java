package tfix.engine.elf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32;

import tfix.engine.failure.TfixException;
import tfix.engine.sys.RegularFiles;

/**
 * Finds the symbols distributions keep apart from a stripped module: its separate debug file, by build-id
 * ({@code /usr/lib/debug/.build-id/xx/rest.debug}) or by {@code .gnu_debuglink} (name and CRC32), else the
 * MiniDebugInfo it embeds. Files are read through the target's root, as the target would find them. A debug
 * file counts only when its build-id is the module's: one from another build would name the wrong bytes.
 */
final class DebugFiles {
    private static final System.Logger LOG = System.getLogger("tfix.engine.elf.DebugFiles");

    private DebugFiles() {
    }

    /** Never fails: what cannot be used is a note, so a module keeps at least its own symbols. */
    static DebugSymbols find(ElfImage module, String modulePath, Path root) {
        List<String> notes = new ArrayList<>();
        Optional<ElfImage> found = Optional.empty();
        try {
            Optional<String> id = module.buildId();
            if (id.isPresent() && id.get().length() > 2) {
                found = candidate(root, "/usr/lib/debug/.build-id/" + id.get().substring(0, 2) + "/" + id.get().substring(2)
                        + ".debug", module, null, notes);
            }
            Optional<DebugLink> link = DebugLink.of(module);
            for (int i = 0; found.isEmpty() && link.isPresent() && i < 3; i++) {
                found = candidate(root, link.get().candidates(modulePath).get(i), module, link.get(), notes);
            }
            if (found.isEmpty()) {
                found = MiniDebugInfo.read(module, modulePath, notes);
            }
        } catch (RuntimeException e) {
            notes.add("separate debug symbols of " + modulePath + " not read: " + e.getMessage());
        }
        notes.forEach(n -> LOG.log(System.Logger.Level.DEBUG, n));
        return new DebugSymbols(found.map(List::of).orElse(List.of()), notes);
    }

    /** The debug file at {@code path} (as the target names it), if it is there and belongs to the module. */
    private static Optional<ElfImage> candidate(Path root, String path, ElfImage module, DebugLink link, List<String> notes) {
        Path file = root.resolve(path.substring(1));
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        ElfImage debug;
        try {
            debug = ElfImage.read(file);
        } catch (TfixException e) {
            notes.add("ignored debug file " + path + ": " + e.getMessage());
            return Optional.empty();
        }
        String mine = module.buildId().orElse(null);
        String theirs = debug.buildId().orElse(null);
        if (theirs == null || !theirs.equals(mine)) {
            notes.add("ignored debug file " + path + ": " + (theirs == null ? "it has no build-id"
                    : "its build-id " + theirs + " is not the module's (" + (mine == null ? "none" : mine) + ")"));
            return Optional.empty();
        }
        if (link != null) {
            long crc = crc32(file);
            if (crc != (link.crc() & 0xffffffffL)) {
                notes.add(String.format("ignored debug file %s: its CRC32 %s is not the %08x .gnu_debuglink asks for",
                        path, crc < 0 ? "(unreadable)" : String.format("%08x", crc), link.crc()));
                return Optional.empty();
            }
        }
        notes.add("symbols from debug file " + path + " (build-id " + theirs + ", " + debug.symbols().size() + " functions)");
        return Optional.of(debug);
    }

    /** The file's CRC32, or -1 when it cannot be read to the end. */
    private static long crc32(Path file) {
        CRC32 crc = new CRC32();
        try (FileChannel ch = RegularFiles.open(file, Long.MAX_VALUE, true)) {
            ByteBuffer buf = ByteBuffer.allocate(1 << 16);
            while (ch.read(buf) > 0) {
                buf.flip();
                crc.update(buf);
                buf.clear();
            }
        } catch (IOException e) {
            return -1;
        }
        return crc.getValue();
    }
}
