package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tfix.engine.elf.ElfImage;
import tfix.engine.elf.FunctionRef;
import tfix.engine.process.Maps;
import tfix.engine.process.MemoryMap;
import tfix.engine.testing.CTargets;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/** Issue 15 item 6: a file the program also maps itself, read-only, below the loader's mappings. */
class MappedTwiceTest extends EngineTest {
    private static final Pattern LINE = Pattern.compile("own=(\\d+) lib=(\\d+) copysum=(\\p{XDigit}+)");

    @ParameterizedTest
    @CsvSource({"self, own_value, own=1020 lib=102 ", "lib, lib_value, own=61 lib=2020 "})
    void theJumpGoesIntoTheCodeThatRunsNotIntoTheCopy(String mode, String function, String patched) throws Exception {
        Path lib = Targets.patch("libtwice.c");
        Path exe = CTargets.compile("mapped_twice.c", CTargets.resource("mapped_twice.c"), "-O1", lib.toString(),
                "-Wl,-rpath," + lib.getParent());
        Path patch = Targets.patch("twice_patch.c");
        Path file = mode.equals("self") ? exe : lib;
        try (RunningTarget t = RunningTarget.start(exe, mode)) {
            long copy = Long.parseUnsignedLong(t.awaitLine("^copy=0x").substring("copy=0x".length()), 16);
            Matcher first = LINE.matcher(t.awaitLine("^own=61 lib=102 copysum="));
            assertTrue(first.find());
            String sum = first.group(3);
            List<MemoryMap> ofFile = Maps.read(t.pid()).entries().stream().filter(m -> m.path().equals(file.toString())).toList();
            assertEquals(copy, ofFile.get(0).start(), "the copy must come first in the maps, as the case needs: " + ofFile);
            ElfImage image = ElfImage.read(file);

            try (TfixSession s = attach(t)) {
                FunctionRef f = s.symbols().resolve(function, null, List.of());
                assertTrue(Maps.read(t.pid()).find(f.address()).orElseThrow().executable(), "resolved into the copy: " + f);
                s.replace(function, null, function + "_v2", patch);
                assertTrue(s.verify().stream().allMatch(Results.Verified::ok));
            }
            Matcher after = LINE.matcher(t.awaitLine("^" + patched));
            assertTrue(after.find());
            assertEquals(sum, after.group(3), "the target's own checksum of its copy changed");
            long link = image.symbols().stream().filter(x -> x.name().equals(function)).findFirst().orElseThrow().value();
            long offset = image.fileOffset(link).orElseThrow();
            assertArrayEquals(image.bytesAt(link, 16), Targets.peek(t.pid(), copy + offset, 16), "the copy's bytes changed");
            assertTrue(t.alive());
            assertFalse(t.traced());
        }
    }
}
