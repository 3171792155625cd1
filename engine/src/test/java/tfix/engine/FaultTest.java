package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;

import org.junit.jupiter.api.Test;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/** Faults: thousands of cycles under load, and targets that exit while tfix works on them. */
class FaultTest extends EngineTest {
    static final int SOAK_CYCLES = Integer.getInteger("tfix.soakCycles", 2000);

    @Test
    void soakReplaceAndRevertWhileEightThreadsCallTheFunction() {
        Path exe = Targets.exe("hammer.c");
        Path patch = Targets.patch("hammer_patch.c");
        try (RunningTarget t = RunningTarget.start(exe, "8")) {
            t.awaitLine("tick 1 ");
            long t0 = System.nanoTime();
            double worst = 0;
            double[] freezes = new double[SOAK_CYCLES * 2];
            try (TfixSession s = attach(t)) {
                for (int i = 0; i < SOAK_CYCLES; i++) {
                    freezes[2 * i] = s.replace("hot", null, "hot_v2", patch).freezeMillis();
                    freezes[2 * i + 1] = s.revert("hot").freezeMillis();
                }
                assertTrue(s.status().isEmpty());
            }
            java.util.Arrays.sort(freezes);
            System.out.printf("soak: %d cycles in %.1f s; freeze median %.3f ms, p99 %.3f ms, max %.3f ms%n", SOAK_CYCLES,
                    (System.nanoTime() - t0) / 1e9, freezes[freezes.length / 2], freezes[(int) (freezes.length * 0.99)],
                    freezes[freezes.length - 1]);
            String last = t.awaitLine("tick \\d+ ");
            t.awaitLine(l -> l.startsWith("tick") && !l.equals(last), Duration.ofSeconds(5));
            assertTrue(t.output().stream().noneMatch(l -> l.startsWith("BAD")), String.join("\n", t.output()));
            assertTrue(t.alive());
            assertFalse(t.traced());
        }
    }

    @Test
    void targetExitingDuringAttachOrPatchIsReportedCleanly() {
        Path exe = Targets.exe("exiter.c");
        Path patch = Targets.patch("spawner_patch.c");
        Random random = new Random(7);
        int clean = 0, reported = 0;
        for (int i = 0; i < 30; i++) {
            try (RunningTarget t = RunningTarget.start(exe, Integer.toString(random.nextInt(300_000)))) {
                try (TfixSession s = attach(t)) {
                    s.replace("work", null, "work_v2", patch);
                    s.revert("work");
                    clean++;
                } catch (TfixException e) {
                    reported++;
                    assertEquals(Reason.PROCESS_GONE, e.reason(), "an exiting target is reported as gone: " + e.getMessage());
                }
            }
        }
        System.out.printf("exiting targets: %d patched and reverted before the exit, %d exits reported%n", clean, reported);
        assertEquals(30, clean + reported);
    }
}
