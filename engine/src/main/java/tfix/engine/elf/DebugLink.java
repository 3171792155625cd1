package tfix.engine.elf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A module's .gnu_debuglink: the file name of its separate debug file and the CRC32 of that file's bytes.
 * The name comes from the module, so it is untrusted: a bare file name only, never a path.
 */
record DebugLink(String name, int crc) {
    /** Longer names are no debug file's (a debuglink holds a file name). */
    private static final int MAX_NAME = 255;

    static Optional<DebugLink> of(ElfImage module) {
        Optional<ElfImage.CodeRange> s = module.section(".gnu_debuglink");
        if (s.isEmpty() || s.get().size() < 8 || s.get().size() > MAX_NAME + 8) {
            return Optional.empty();
        }
        byte[] b = module.fileBytes(s.get().offset(), (int) s.get().size());
        int end = 0;
        while (end < b.length && b[end] != 0) {
            end++;
        }
        int crcAt = (end + 4) & ~3; // the name, its NUL, padding to 4 bytes, then the CRC
        if (end == 0 || crcAt + 4 > b.length) {
            return Optional.empty();
        }
        String name = new String(b, 0, end, StandardCharsets.UTF_8);
        if (name.contains("/") || name.equals(".") || name.equals("..")) {
            return Optional.empty();
        }
        return Optional.of(new DebugLink(name, ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(crcAt)));
    }

    /** Where GDB and the distributions put it, as the target sees its files: beside the module, in .debug/, under /usr/lib/debug. */
    List<String> candidates(String modulePath) {
        Path dir = Path.of(modulePath).getParent();
        String d = dir == null ? "" : dir.toString().equals("/") ? "" : dir.toString();
        return List.of(d + "/" + name, d + "/.debug/" + name, "/usr/lib/debug" + d + "/" + name);
    }
}
