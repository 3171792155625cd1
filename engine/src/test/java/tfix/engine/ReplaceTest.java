package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tfix.engine.testing.CTargets;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

class ReplaceTest extends EngineTest {

    @ParameterizedTest
    @ValueSource(strings = {"-pie", "-no-pie"})
    void replacesVerifiesAndReverts(String pie) {
        Path bin = CTargets.compile("scorer" + pie + ".c", CTargets.resource("scorer.c"), "-O1", pie, pie.equals("-pie") ? "-fPIE" : "-fno-pie");
        Path patch = CTargets.compile("scorer_patch.c", CTargets.resource("scorer_patch.c"), "-O1", "-shared", "-fPIC");
        try (RunningTarget target = RunningTarget.start(bin)) {
            target.awaitLine("compute=40 static=16");
            try (TfixSession s = TfixSession.attach(target.pid(), engine, Options.defaults())) {
                Results.Replaced r = s.replace("compute", null, "compute_v2", patch);
                assertFalse(r.alreadyApplied());
                assertTrue(r.freezeMillis() > 0);
                target.awaitLine("compute=1005 static=16");
                Results.Replaced r2 = s.replace("compute_static", null, "compute_static_v2", patch);
                target.awaitLine("compute=1005 static=2005");
                assertFalse(r2.libraryLoaded(), "the patch is loaded once");
                assertEquals(2, s.status().size());
                assertTrue(s.verify().stream().allMatch(Results.Verified::ok));
                assertTrue(s.replace("compute", null, "compute_v2", patch).alreadyApplied());
                assertEquals(1, s.revert("compute").patches().size());
                target.awaitLine("compute=40 static=2005");
            }
            assertFalse(target.traced());
            // A second tfix run finds the record in the process and reverts the rest.
            try (TfixSession s = TfixSession.attach(target.pid(), engine, Options.defaults())) {
                assertEquals(1, s.status().size());
                assertEquals("compute_static", s.status().get(0).function());
                s.revertAll();
                assertEquals(0, s.status().size());
            }
            target.awaitLine("compute=40 static=16");
            assertTrue(target.alive());
            assertFalse(target.traced());
        }
    }

    @org.junit.jupiter.api.Test
    void aSecondPatchTakesOverTheFirstInOneWrite() {
        Path bin = Targets.exe("scorer.c");
        Path v2 = Targets.patch("scorer_patch.c");
        Path v3 = Targets.patch("scorer_patch3.c");
        try (RunningTarget target = RunningTarget.start(bin)) {
            target.awaitLine("compute=40 static=16");
            try (TfixSession s = attach(target)) {
                s.replace("compute", null, "compute_v2", v2);
                target.awaitLine("compute=1005");
                Results.Replaced r = s.replace("compute", null, "compute_v3", v3);
                assertFalse(r.alreadyApplied());
                target.awaitLine("compute=3005");
                assertEquals(1, s.status().size());
                assertEquals("compute_v3", s.status().get(0).targetName());
                assertTrue(s.verify().get(0).ok());
            }
            try (TfixSession s = attach(target)) {
                assertEquals(1, s.status().size(), "a later run sees only the patch in force");
                s.revert("compute");
                assertTrue(s.status().isEmpty());
            }
            target.awaitLine("compute=40");
            assertFalse(target.traced());
        }
    }
}
