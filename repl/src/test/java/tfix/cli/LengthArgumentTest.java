package tfix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tfix.engine.elf.ElfImage;
import tfix.engine.elf.Symbol;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/**
 * Issue 13, {@code replace '0x...', length: N with ...} from the command line: code of a stripped library that no
 * symbol describes is replaced by address and length; a length that is not a positive whole number is one line.
 */
class LengthArgumentTest {
    @Test
    void lengthReplacesCodeNoSymbolDescribesAndBadLengthsAreOneLine(@TempDir Path dir) throws Exception {
        Path full = Targets.patch("libhidden.c", "-DVARIANT=1");
        Path lib = dir.resolve("libhidden.so");
        Process strip = new ProcessBuilder("strip", "--strip-all", "-o", lib.toString(), full.toString()).redirectErrorStream(true).start();
        assertEquals(0, strip.waitFor(), new String(strip.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        Symbol hidden = ElfImage.read(full).symbols().stream().filter(s -> s.plainName().equals("hidden_scale")).findFirst().orElseThrow();
        Path patch = Targets.patch("libhidden_patch.c");
        try (RunningTarget t = RunningTarget.startPast("^lib_compute=11$", Targets.exe("dl_user.c", "-ldl"), lib.toString())) {
            long base = Files.readAllLines(Path.of("/proc", Integer.toString(t.pid()), "maps")).stream()
                    .filter(l -> l.endsWith(lib.toString()) && l.split("\\s+")[2].equals("00000000"))
                    .map(l -> Long.parseUnsignedLong(l.substring(0, l.indexOf('-')), 16)).findFirst().orElseThrow();
            String at = String.format("%#x", base + hidden.value());
            String replace = "attach " + t.pid() + "; replace '" + at + "', length: %s with 'hidden_scale_v2' from '" + patch + "'";

            for (String bad : new String[] {"'48'", "0", "-3", "4.5", "1048577"}) {
                CliTest.Result r = CliTest.tfix("exec", String.format(replace, bad));
                assertEquals(1, r.exit(), r.out() + r.err());
                assertTrue(r.err().strip().matches("(?s).*length: takes the function's size in bytes, a whole number from 1 to 1048576"
                        + " \\(length: 48\\), not '" + java.util.regex.Pattern.quote(bad.replace("'", "")) + "'; nothing was done"), r.err());
            }
            CliTest.Result both = CliTest.tfix("exec", "attach " + t.pid() + "; replace '" + at + "', length: 48, in: 'libc'"
                    + " with 'hidden_scale_v2' from '" + patch + "'");
            assertEquals(1, both.exit());
            assertTrue(both.err().contains("length: is for code named by address, in: replaces a module's imports"), both.err());

            CliTest.Result ok = CliTest.tfix("exec", String.format(replace, hidden.size()) + "; status");
            assertEquals(0, ok.exit(), ok.out() + ok.err());
            t.awaitLine("^lib_compute=1004$");
            assertTrue(ok.out().contains("libhidden.so+" + String.format("%#x", hidden.value())), ok.out());
            CliTest.Result back = CliTest.tfix("exec", "attach " + t.pid() + "; revert()");
            assertEquals(0, back.exit(), back.err());
            t.awaitLine("^lib_compute=11$");
            assertTrue(t.alive() && !t.traced(), "target dead or still traced");
        }
    }
}
