package tfix.engine.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tfix.engine.testing.Targets;

/** The DWARF reader behind the "inlined into" message: right on gcc's output, no answer (never a throw) on damage. */
class InlinedCallersTest {
    static Path exe() {
        return Targets.exe("inlined.c", "-O2");
    }

    @Test
    void gccsDebugInformationNamesBothCallers() {
        assertEquals(Optional.of(List.of("assist_bonus", "kill_bonus")), InlinedCallers.of(ElfImage.read(exe()), "bonus"));
        assertEquals(Optional.of(List.of()), InlinedCallers.of(ElfImage.read(exe()), "nosuch"));
        assertEquals(Optional.empty(), InlinedCallers.of(ElfImage.read(Targets.exe("inlined.c", "-O2", "-g0")), "bonus"));
    }

    @Test
    void damagedDebugInformationGivesAnAnswerOrNone(@TempDir Path dir) throws Exception {
        ElfImage good = ElfImage.read(exe());
        ElfImage.CodeRange info = good.section(".debug_info").orElseThrow();
        ElfImage.CodeRange abbrev = good.section(".debug_abbrev").orElseThrow();
        byte[] original = Files.readAllBytes(exe());
        Random random = new Random(9);
        for (int round = 0; round < 200; round++) {
            byte[] bytes = original.clone();
            ElfImage.CodeRange hit = round % 2 == 0 ? info : abbrev;
            for (int i = 0; i < 1 + round % 8; i++) {
                bytes[(int) (hit.offset() + random.nextInt((int) hit.size()))] = (byte) random.nextInt(256);
            }
            Path damaged = dir.resolve("damaged-" + round);
            Files.write(damaged, bytes);
            Optional<List<String>> answer = InlinedCallers.of(ElfImage.read(damaged), "bonus"); // must not throw
            assertTrue(answer.isEmpty() || answer.get().size() <= 64, "round " + round + ": " + answer);
        }
    }
}
