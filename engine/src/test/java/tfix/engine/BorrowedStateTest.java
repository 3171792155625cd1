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
 * One session's remote calls share one frame in the call area, on different threads, and
 * across the callers a session makes anew when a patch is loaded: a thread still on its way
 * out of the stub must never come back with the next call's registers (it once took the
 * reader thread's stack, and the main loop stopped). Twenty fresh targets, each patched,
 * reverted and let go, must each tick on.
 */
class BorrowedStateTest extends EngineTest {
    @Test
    void everyBorrowedThreadComesBackToItsOwnState() {
        Path exe = Targets.exe("hammer.c");
        Path patch = Targets.patch("hammer_patch.c");
        for (int round = 0; round < 20; round++) {
            try (RunningTarget t = RunningTarget.start(exe, "4")) {
                t.awaitLine("tick 1 ");
                try (TfixSession s = attach(t)) {
                    s.replace("hot", null, "hot_v2", patch);
                    s.revert("hot");
                }
                String last = t.awaitLine("tick \\d+ ", Duration.ofSeconds(5));
                t.awaitLine(l -> l.startsWith("tick") && !l.equals(last), Duration.ofSeconds(5));
                assertTrue(t.output().stream().noneMatch(l -> l.startsWith("BAD")), "round " + round + ": "
                        + String.join("\n", t.output()));
                assertFalse(t.traced());
            }
        }
    }
}
