package tfix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/** Issue 9, item 5: a patch that says what it fixes is applied whole by `apply`, as one transaction. */
class FixTableTest {

    @Test
    void applyTakesTheWholeTableInOneTransactionAndRevertsIt() throws Exception {
        Path exe = Targets.exe("scorer.c");
        Path patch = Targets.patch("scorer_table_patch.c", "-I" + Path.of("..", "include").toAbsolutePath().normalize());
        try (RunningTarget t = RunningTarget.start(exe)) {
            t.awaitLine("compute=40 static=16");
            String pid = Integer.toString(t.pid());
            CliTest.Result dry = CliTest.tfix("exec", "attach " + pid + "; plan { apply '" + patch + "' }");
            assertEquals(0, dry.exit(), dry.err());
            assertTrue(dry.out().contains("carries 2 replacements") && dry.out().contains("=> would be applied"), dry.out());
            assertFalse(Targets.mapsMention(t.pid(), patch.getFileName().toString()));

            CliTest.Result applied = CliTest.tfix("exec", "attach " + pid + "; apply '" + patch + "'; status");
            assertEquals(0, applied.exit(), applied.err());
            assertTrue(applied.out().contains("replaced compute with compute_v3")
                    && applied.out().contains("replaced compute_static with compute_static_v3"), applied.out());
            t.awaitLine("compute=3005 static=4005");
            assertTrue(applied.out().contains("fix table entry 1") && applied.out().contains("fix table entry 2"), applied.out());

            CliTest.Result back = CliTest.tfix("exec", "attach " + pid + "; revert()");
            assertEquals(0, back.exit(), back.err());
            t.awaitLine("compute=40 static=16");
            assertFalse(t.traced());
        }
    }

    @Test
    void aTableThatIsNotUnderstoodIsRefusedBeforeAnythingIsLoaded() throws Exception {
        Path exe = Targets.exe("scorer.c");
        Path patch = Targets.patch("scorer_badtable_patch.c");
        try (RunningTarget t = RunningTarget.start(exe)) {
            t.awaitLine("compute=40 static=16");
            CliTest.Result r = CliTest.tfix("exec", "attach " + t.pid() + "; apply '" + patch + "'");
            assertEquals(1, r.exit());
            assertTrue(r.err().contains("fix table entry ") && r.err().contains("\"replace compute_static by compute_static_v3\" is not understood")
                    && r.err().lines().count() == 1, r.err());
            assertFalse(Targets.mapsMention(t.pid(), patch.getFileName().toString()));
            CliTest.Result unknown = CliTest.tfix("exec", "attach " + t.pid() + "; apply '" + patch + "', colour: 'red'");
            assertEquals(1, unknown.exit());
            assertTrue(unknown.err().contains("apply does not take colour:"), unknown.err());
            assertFalse(t.traced());
            assertTrue(t.alive());
            assertFalse(t.output().stream().anyMatch(l -> l.startsWith("compute=3005")), t.output().toString());
        }
    }
}
