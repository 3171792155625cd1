package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/**
 * A thread borrowed for tfix's calls may be running on a coroutine's small stack carved out
 * of a larger region, with other data right below: nothing may be written there. The target
 * checks a guard pattern under its fiber's stack while patches are loaded and reverted (each
 * load a dlopen on the borrowed fiber thread).
 */
class FiberStackTest extends EngineTest {
    @Test
    void nothingIsWrittenBelowACoroutinesStack() {
        Path exe = Targets.exe("fiber.c");
        Path patch = Targets.patch("fiber_patch.c");
        try (RunningTarget t = RunningTarget.start(exe)) {
            t.awaitLine("fiber \\d+ compute=21");
            try (TfixSession s = attach(t)) {
                s.replace("compute", null, "compute_v2", patch);
                t.awaitLine("fiber \\d+ compute=1021", Duration.ofSeconds(10));
                s.revert("compute");
                t.awaitLine("fiber \\d+ compute=21", Duration.ofSeconds(10));
            }
            // Two more checks of the pattern after everything tfix did.
            String last = t.awaitLine("fiber \\d+");
            t.awaitLine(l -> l.startsWith("fiber") && !l.equals(last), Duration.ofSeconds(5));
            assertTrue(t.output().stream().noneMatch(l -> l.startsWith("BAD")), String.join("\n", t.output()));
            assertTrue(t.alive());
            assertFalse(t.traced());
        }
    }
}
