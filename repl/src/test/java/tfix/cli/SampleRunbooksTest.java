package tfix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import tfix.engine.testing.RunningTarget;

/**
 * The sample game server's runbooks as the samples README tells them: the second bug's fix uses the
 * server's statics and calls the original (fix-mvp), the first one comes from the patch's own fix table.
 */
class SampleRunbooksTest {
    private static final Path SAMPLES = Path.of("..", "samples").toAbsolutePath().normalize();

    @Test
    void theMvpFixUsesTheServersStaticsAndTheOriginalThenBothFixesRevert() throws Exception {
        Path scripts = SAMPLES.resolve("gameserver");
        try (RunningTarget server = RunningTarget.start(SAMPLES.resolve("build/gameserver"), "0")) {
            server.awaitLine("mvp=bob$");
            String pid = Integer.toString(server.pid());

            CliTest.Result mvp = CliTest.tfix("run", scripts.resolve("fix-mvp.tfix.groovy").toString(), "--pid", pid);
            assertEquals(0, mvp.exit(), mvp.out() + mvp.err());
            assertTrue(mvp.out().contains("ok   reference: benched -> ") && mvp.out().contains("(static variable, ")
                    && mvp.out().contains("ok   reference: player_rating -> "), mvp.out());
            assertTrue(mvp.out().contains("original copy at "), mvp.out());
            server.awaitLine("mvp=carol$"); // bob is benched: the best player off the bench, by the server's own rating

            CliTest.Result score = CliTest.tfix("run", scripts.resolve("fix-score.tfix.groovy").toString(), "--pid", pid);
            assertEquals(0, score.exit(), score.out() + score.err());
            assertTrue(score.out().contains("carries 1 replacement") && score.out().contains("fix table entry 1"), score.out());
            server.awaitLine("streak=[5-7] points=(250|300|350) mvp=carol$");

            CliTest.Result back = CliTest.tfix("run", scripts.resolve("revert-mvp.tfix.groovy").toString(), "--pid", pid);
            assertEquals(0, back.exit(), back.out() + back.err());
            server.awaitLine("mvp=bob$");
            CliTest.Result all = CliTest.tfix("exec", "attach " + pid + "; revert(); status");
            assertEquals(0, all.exit(), all.out() + all.err());
            assertTrue(all.out().contains("0 patches in force"), all.out());
            server.awaitLine("streak=[5-7] points=-");
            assertFalse(server.traced());
        }
    }
}
