package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.Targets;

/** What a borrowed thread must find unchanged after tfix ran code on it. */
class KeptStateTest extends EngineTest {

    @Test
    void errnoIsTheSameAfterTheThreadLoadedAPatch() throws Exception {
        Path exe = Targets.exe("errno_keeper.c");
        Path patch = Targets.patch("errno_patch.c");
        live(exe, "compute=40", (t, s) -> {
            t.awaitLine("watch \\d+ errno=4242");
            s.replace("compute", null, "compute_v2", patch);
            t.awaitLine("compute=1005");
            // Two reports after the load: the watcher has been through its check since.
            t.awaitLine("watch \\d+ errno=");
            t.awaitLine("watch \\d+ errno=");
        }, t -> {
            assertTrue(t.alive());
            assertFalse(t.traced());
            assertTrue(t.output().stream().noneMatch(l -> l.startsWith("errno changed")),
                    "the borrowed thread saw errno change: " + t.output().stream().filter(l -> l.startsWith("errno")).toList());
        });
    }
}
