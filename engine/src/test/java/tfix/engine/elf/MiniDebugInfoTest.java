package tfix.engine.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZOutputStream;
import tfix.engine.testing.Targets;

/**
 * A module's .gnu_debugdata is untrusted input: an xz bomb (a few KiB that inflate past the cap) or bytes that are
 * no xz stream are ignored with a note, and the module keeps its own symbols.
 */
class MiniDebugInfoTest {
    @TempDir
    Path dir;

    /** The stripped test library with {@code section} as its .gnu_debugdata. */
    private Path withDebugData(byte[] section) throws IOException, InterruptedException {
        Path lib = dir.resolve("libhidden.so");
        Path data = dir.resolve("debugdata");
        Files.write(data, section);
        run("strip", "--strip-all", "-o", lib.toString(), Targets.patch("libhidden.c", "-DVARIANT=1").toString());
        run("objcopy", "--add-section", ".gnu_debugdata=" + data, lib.toString());
        return lib;
    }

    private void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
    }

    private static List<String> notes(Path lib) {
        ElfImage image = ElfImage.read(lib);
        DebugSymbols found = DebugFiles.find(image, lib.toString(), Path.of("/"));
        assertEquals(List.of(), found.files(), "nothing used");
        assertEquals(image.symbols(), found.functions(image.symbols()), "the module keeps its own symbols, no more");
        return found.notes();
    }

    @Test
    void anXzBombIsIgnoredAtTheCap() throws Exception {
        var xz = new java.io.ByteArrayOutputStream();
        try (OutputStream out = new XZOutputStream(xz, new LZMA2Options(1))) {
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i <= MiniDebugInfo.MAX_DECOMPRESSED >> 20; i++) {
                out.write(zeros);
            }
        }
        assertTrue(xz.size() < 64 * 1024, "a bomb: " + xz.size() + " bytes");
        Path lib = withDebugData(xz.toByteArray());
        assertEquals(List.of("ignored " + lib + " .gnu_debugdata: it decompresses to more than 64 MiB"), notes(lib));
    }

    @Test
    void bytesThatAreNoXzStreamAreIgnored() throws Exception {
        Path lib = withDebugData("not xz at all".getBytes(StandardCharsets.US_ASCII));
        List<String> notes = notes(lib);
        assertEquals(1, notes.size(), notes.toString());
        assertTrue(notes.get(0).startsWith("ignored " + lib + " .gnu_debugdata: not valid xz data ("), notes.get(0));
    }
}
