package tfix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tfix.engine.guard.PatchStore;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/** Issue 13: `tfix store gc` removes stored patches no process maps, and keeps the ones a process maps. */
class StoreGcTest {
    @Test
    void gcRemovesOnlyWhatNoProcessMaps(@TempDir Path dir) throws Exception {
        Path store = dir.resolve("store");
        Map<String, String> env = Map.of("TFIX_PATCH_STORE", store.toString());
        Path home = Path.of("..").toAbsolutePath().normalize();
        Path used = Targets.patch("scorer_patch.c");
        PatchStore.Stored unused = new PatchStore(store, 0).store(Targets.patch("corners_patch.c"));
        try (RunningTarget t = RunningTarget.start(Targets.exe("scorer.c"))) {
            t.awaitLine("compute=40 static=16");
            CliTest.Result r = CliTest.tfixWith(env, home, "exec", "attach " + t.pid()
                    + "; replace 'compute' with 'compute_v2' from '" + used + "'");
            assertEquals(0, r.exit(), r.err());
            t.awaitLine("compute=1005");
            CliTest.Result where = CliTest.tfixWith(env, home, "store");
            assertEquals(store.toString(), where.out().strip());

            CliTest.Result gc = CliTest.tfixWith(env, home, "store", "gc", "--min-age", "0");
            assertEquals(0, gc.exit(), gc.err());
            assertTrue(gc.out().contains("removed " + unused.file().getParent()), gc.out());
            assertTrue(gc.out().contains("1 stored patch removed"), gc.out());
            assertFalse(Files.exists(unused.file().getParent()), "the unmapped patch stays");
            try (var left = Files.list(store)) {
                Path kept = left.filter(Files::isDirectory).findFirst().orElseThrow();
                assertTrue(Files.exists(kept.resolve(used.getFileName())), "the mapped patch was removed");
            }
            assertTrue(Targets.mapsMention(t.pid(), store.toString()), "the target no longer maps the stored patch");
            CliTest.Result verify = CliTest.tfixWith(env, home, "verify", "--pid", Integer.toString(t.pid()));
            assertEquals(0, verify.exit(), verify.err());
            assertFalse(t.traced());

            CliTest.Result bad = CliTest.tfixWith(env, home, "store", "clean");
            assertEquals(1, bad.exit());
            assertTrue(bad.err().contains("unknown store action 'clean': use `tfix store gc`"), bad.err());
        }
    }
}
