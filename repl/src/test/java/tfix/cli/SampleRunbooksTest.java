package tfix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import tfix.engine.testing.AgentTargets;
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

    @Test
    void aServerThatForbidsPtraceGetsBothFixesThroughItsAgentAndLosesThemAgain() throws Exception {
        Path script = SAMPLES.resolve("gameserver/fix-via-agent.tfix.groovy");
        try (RunningTarget server = RunningTarget.start(Path.of("/usr/bin/env"), "LD_PRELOAD=" + AgentTargets.library(),
                "GAMESERVER_UNDUMPABLE=1", SAMPLES.resolve("build/gameserver").toString(), "0")) {
            server.awaitLine("mvp=bob$");
            String pid = Integer.toString(server.pid());
            CliTest.Result fix = AgentCliTest.tfixWithoutPtrace("run", script.toString(), "--pid", pid);
            assertEquals(0, fix.exit(), fix.out() + fix.err());
            assertTrue(fix.out().contains("via agent"), fix.out());
            assertTrue(fix.out().contains("carries 1 replacement") && fix.out().contains("original copy at "), fix.out());
            // where: the accept thread waits in accept(2), read where it waits without a stop or a signal.
            assertTrue(fix.out().contains("may have accept_thread on its stack"), fix.out());
            // carol: pick_mvp_v2 read the server's static benched[] and called its static player_rating (bound by tfix).
            server.awaitLine("streak=[5-7] points=(250|300|350) mvp=carol$");

            // Not one of them through ptrace: the server forbids it, and this tfix may not override that.
            CliTest.Result refused = AgentCliTest.tfixWithoutPtrace("exec", "attach " + pid + ", via: 'ptrace'");
            assertTrue(refused.err().contains("permission denied tracing process " + pid), refused.err());

            CliTest.Result back = AgentCliTest.tfixWithoutPtrace("revert", "--pid", pid);
            assertEquals(0, back.exit(), back.out() + back.err());
            CliTest.Result st = AgentCliTest.tfixWithoutPtrace("status", "--pid", pid);
            assertEquals(0, st.exit(), st.out() + st.err());
            assertTrue(st.out().contains("0 patches in force"), st.out());
            server.awaitLine("streak=[5-7] points=-\\d+ mvp=bob$");
            assertFalse(server.traced());
            assertEquals(List.of(), server.output().stream().filter(l -> l.contains("BAD")).toList());
        }
    }
}
