package tfix.engine.timing;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import tfix.engine.Options;
import tfix.engine.TfixSession;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/** A real replace and revert, recorded: the freeze, the borrowed thread of a remote call and the detach are named. */
class HoldsTest extends EngineTest {
    @Test
    void aReplaceNamesWhatHeldTheTarget() {
        Path bin = Targets.exe("scorer.c");
        Path patch = Targets.patch("scorer_patch.c");
        try (RunningTarget target = RunningTarget.start(bin)) {
            target.awaitLine("compute=40 static=16");
            Holds.enable(true);
            try {
                try (TfixSession s = TfixSession.attach(target.pid(), engine, Options.defaults())) {
                    s.replace("compute", null, "compute_v2", patch);
                    target.awaitLine("compute=1005 static=16");
                    s.revert("compute");
                }
                List<Holds.Longest> held = Holds.longest();
                assertTrue(has(held, Holds.Kind.STOPPED, "the freeze"), held.toString());
                assertTrue(has(held, Holds.Kind.STOPPED, "remote call: dlopen of"), held.toString());
                assertTrue(has(held, Holds.Kind.STOPPED, "the last statement and detach"), held.toString());
                assertTrue(has(held, Holds.Kind.DEAF, ""), held.toString());
                assertTrue(held.stream().allMatch(h -> h.maxNanos() >= 0 && h.count() > 0), held.toString());
                assertTrue(Holds.report(3).lines().count() == 3 && Holds.report(3).startsWith("tfix held: "), Holds.report(3));
            } finally {
                Holds.enable(false);
            }
            assertTrue(Holds.longest().isEmpty(), "off: nothing kept");
            target.awaitLine("compute=40 static=16");
            assertTrue(target.alive());
            assertFalse(target.traced());
        }
    }

    private static boolean has(List<Holds.Longest> held, Holds.Kind kind, String cause) {
        return held.stream().anyMatch(h -> h.kind() == kind && h.cause().contains(cause));
    }
}
