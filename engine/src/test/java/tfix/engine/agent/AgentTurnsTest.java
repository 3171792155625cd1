package tfix.engine.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import tfix.engine.Options;
import tfix.engine.TfixSession;
import tfix.engine.Via;
import tfix.engine.testing.AgentTargets;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/** Two tfix runs on one process through its agent take turns (the claim ptrace uses), neither times out. */
class AgentTurnsTest extends EngineTest {
    private static final Path EXE = Targets.exe("agent_target.c");
    private static final Path PATCH = Targets.patch("agent_patch.c");

    @Test
    void aSecondRunThroughTheAgentWaitsForTheFirstAndThenWorks() throws Exception {
        try (RunningTarget t = AgentTargets.start("dumpable=1", EXE, List.of())) {
            CountDownLatch told = new CountDownLatch(1);
            StringBuilder heard = new StringBuilder();
            CompletableFuture<String> second;
            try (TfixSession first = TfixSession.attach(t.pid(), engine, Options.defaults().heldAs("first run"), w -> { },
                    Via.AGENT)) {
                first.replace("hot", null, "hot_v2", PATCH);
                second = CompletableFuture.supplyAsync(() -> {
                    try (TfixSession s = TfixSession.attach(t.pid(), engine, Options.defaults(), w -> {
                        heard.append(w);
                        told.countDown();
                    }, Via.AGENT)) {
                        return s.route() + " " + s.status().get(0).function();
                    }
                });
                // The second run waits for this one's turn, saying for whom; it has not gone through meanwhile.
                assertTrue(told.await(20, TimeUnit.SECONDS), "the second run never said it waits");
                assertTrue(heard.toString().contains("first run"), heard.toString());
                assertFalse(second.isDone());
                assertTrue(first.verify().get(0).ok(), "the first run still works while the second waits");
            }
            assertEquals("agent hot", second.get(30, TimeUnit.SECONDS));
            try (TfixSession s = TfixSession.attach(t.pid(), engine, Options.defaults(), w -> { }, Via.AGENT)) {
                assertEquals(1, s.revertAll().patches().size());
            }
            t.awaitLine("hot=2");
        }
    }
}
