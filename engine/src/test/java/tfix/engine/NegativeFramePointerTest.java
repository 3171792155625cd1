package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/**
 * Threads whose rbp holds -16 and -8 (code using it as a general register) while the freeze walks every thread's
 * frame-pointer chain: the walk must end there, not wrap rbp + 16 to 0 and read far off its buffer (review A1:
 * a segfault inside the native freeze, with every thread of the target stopped).
 */
class NegativeFramePointerTest extends EngineTest {

    @Test
    void replaceAndRevertThroughTheNativeWindowWithNegativeFramePointers() {
        assertEquals(10, cycles(10), "replaces made in the native window");
    }

    @Test
    void theJavaPathWalksTheSameThreads() {
        System.setProperty("tfix.freeze", "java");
        try {
            assertEquals(0, cycles(5));
        } finally {
            System.clearProperty("tfix.freeze");
        }
    }

    /** Replaces and reverts hot() {@code cycles} times, leaves it replaced; returns how many replaces were native. */
    private static int cycles(int cycles) {
        Path exe = Targets.exe("negative_rbp.c", "-O2");
        Path patch = Targets.patch("hammer_patch.c");
        int natively = 0;
        try (RunningTarget t = RunningTarget.start(exe)) {
            t.awaitLine("tick 1 ");
            try (TfixSession s = attach(t)) {
                for (int i = 0; i < cycles; i++) {
                    natively += s.replace("hot", null, "hot_v2", patch).phases().nativeWindow() ? 1 : 0;
                    s.revert("hot");
                }
                s.replace("hot", null, "hot_v2", patch);
                assertTrue(s.verify().get(0).ok());
            }
            t.awaitLine(l -> l.matches("tick \\d+ calls=\\d+ old=\\d+ new=[1-9]\\d*"), Duration.ofSeconds(10));
            assertTrue(t.output().stream().noneMatch(l -> l.startsWith("BAD")), String.join("\n", t.output()));
            assertTrue(t.alive());
            assertFalse(t.traced());
        }
        return natively;
    }
}
