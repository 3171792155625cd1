package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tfix.engine.elf.ElfImage;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.SparseElf;
import tfix.engine.testing.Targets;

/** Executables past 2 GiB (big builds with debug information): mapped, never read onto the heap. */
class BigElfTest extends EngineTest {
    private static final long PAST_2_GIB = (5L << 30) / 2;

    @Test
    void aProgramOver2GiBIsPatchedWithASmallHeap(@TempDir Path dir) throws Exception {
        Path big = SparseElf.grow(Targets.exe("scorer.c"), dir.resolve("scorer-big"), PAST_2_GIB);
        assertTrue(Files.size(big) > PAST_2_GIB);
        Path patch = Targets.patch("scorer_patch.c");
        live(big, "compute=40 static=16", (t, s) -> {
            // compute and compute_static are named only in .symtab, which now lies past 2 GiB.
            Results.Replaced r = s.replace("compute_static", null, "compute_static_v2", patch);
            assertFalse(r.alreadyApplied());
            t.awaitLine("static=2005");
            assertTrue(s.verify().stream().allMatch(Results.Verified::ok));
            assertEquals(1, s.revert("compute_static").patches().size());
            t.awaitLine("static=16");
        }, t -> {
            assertTrue(t.alive());
            assertFalse(t.traced());
        });
        System.gc();
        long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        assertTrue(used < 256L << 20, "heap after GC holds " + (used >> 20) + " MiB with the big image cached");
    }

    @Test
    void theImageReadsSymbolsAndBytesPast2GiB(@TempDir Path dir) {
        Path small = Targets.exe("scorer.c");
        Path big = SparseElf.grow(small, dir.resolve("scorer-big"), PAST_2_GIB);
        ElfImage a = ElfImage.read(small);
        ElfImage b = ElfImage.read(big);
        assertEquals(a.symbols(), b.symbols());
        assertEquals(a.buildId(), b.buildId());
        assertTrue(a.buildId().isPresent());
        var compute = b.symbols().stream().filter(x -> x.name().equals("compute")).findFirst().orElseThrow();
        assertTrue(java.util.Arrays.equals(a.bytesAt(compute.value(), 32), b.bytesAt(compute.value(), 32)));
        assertTrue(java.util.Arrays.equals(new byte[16], b.fileBytes(PAST_2_GIB - 16, 16)), "the hole reads as zeros");
    }
}
