package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/**
 * A process that called prctl(PR_SET_DUMPABLE, 0): only a tracer with CAP_SYS_PTRACE may trace it, and its
 * /proc files belong to root. Run as root, tfix patches and reverts it as any other.
 */
class UndumpableTest extends EngineTest {
    @Test
    void rootPatchesAndRevertsAnUndumpableProcess() throws Exception {
        Assumptions.assumeTrue((Integer) java.nio.file.Files.getAttribute(java.nio.file.Path.of("/proc/self"), "unix:uid") == 0, "needs root");
        try (RunningTarget t = RunningTarget.startPast("dumpable=0", Targets.exe("undumpable.c"))) {
            t.awaitLine("compute=40");
            try (TfixSession s = attach(t)) {
                s.replace("compute", null, "compute_v2", Targets.patch("scorer_patch.c"));
            }
            t.awaitLine("compute=1005");
            try (TfixSession later = attach(t)) {
                assertEquals(1, later.revertAll().patches().size());
            }
            t.awaitLine("compute=40");
            assertFalse(t.traced());
        }
    }
}
