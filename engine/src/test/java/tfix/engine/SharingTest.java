package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import tfix.engine.failure.Limit;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.record.AppliedPatch;
import tfix.engine.testing.Await;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/** Issue 13, sharing the process: tfix runs on one process take turns (a claim per pid) instead of failing on EPERM. */
class SharingTest extends EngineTest {
    private static final long ME = ProcessHandle.current().pid();

    @Test
    void aSecondTfixWaitsForTheHolderSaysForWhomAndThenWorks() throws Exception {
        Path patch = Targets.patch("scorer_patch.c");
        try (RunningTarget t = RunningTarget.start(Targets.exe("scorer.c"))) {
            t.awaitLine("compute=40 static=16");
            List<String> heard = new CopyOnWriteArrayList<>();
            CompletableFuture<List<AppliedPatch>> second;
            try (TfixSession holder = TfixSession.attach(t.pid(), engine, Options.defaults().heldAs("tfix repl"))) {
                second = CompletableFuture.supplyAsync(() -> {
                    try (TfixSession s = TfixSession.attach(t.pid(), engine, Options.defaults().heldAs("tfix status"),
                            heard::add)) {
                        return s.status();
                    }
                });
                Await.until(Duration.ofSeconds(20), () -> !heard.isEmpty());
                String line = heard.get(0);
                assertTrue(line.startsWith("waiting for tfix repl (pid " + ME + ", user ")
                        && line.contains("which holds process " + t.pid()), line);
                // The holder works on while the other waits; the waiter sees what it left.
                holder.replace("compute", null, "compute_v2", patch);
                assertFalse(second.isDone(), "the second tfix did not wait");
            }
            List<AppliedPatch> seen = second.get(30, TimeUnit.SECONDS);
            assertEquals(1, seen.size(), "the waiter's status");
            assertEquals("compute", seen.get(0).function());
            t.awaitLine("compute=1005");
            assertFalse(t.traced(), "left traced");
            assertTrue(t.alive());
        }
    }

    @Test
    void aWaiterSeesWhatTheHolderLoadedAndFindsTheSameReplaceDone() throws Exception {
        // The waiter read the process's files before its turn; the holder then loaded the patch. The waiter must
        // read them again, or the patch it finds loaded is a library it does not know.
        Path patch = Targets.patch("scorer_patch.c");
        try (RunningTarget t = RunningTarget.start(Targets.exe("scorer.c"))) {
            t.awaitLine("compute=40 static=16");
            List<String> heard = new CopyOnWriteArrayList<>();
            CompletableFuture<Results.Replaced> second;
            try (TfixSession holder = TfixSession.attach(t.pid(), engine, Options.defaults().heldAs("tfix run"))) {
                second = CompletableFuture.supplyAsync(() -> {
                    try (TfixSession s = TfixSession.attach(t.pid(), engine, Options.defaults().heldAs("tfix exec"),
                            heard::add)) {
                        return s.replace("compute", null, "compute_v2", patch);
                    }
                });
                Await.until(Duration.ofSeconds(20), () -> !heard.isEmpty());
                holder.replace("compute", null, "compute_v2", patch);
            }
            Results.Replaced again = second.get(60, TimeUnit.SECONDS);
            assertTrue(again.alreadyApplied(), again.toString());
            t.awaitLine("compute=1005");
            assertFalse(t.traced(), "left traced");
        }
    }

    @Test
    void aTfixThatCannotGetTheProcessInTimeFailsNamingTheHolderAndTheLimit() throws Exception {
        try (RunningTarget t = RunningTarget.start(Targets.exe("scorer.c"))) {
            t.awaitLine("compute=40 static=16");
            try (TfixSession holder = TfixSession.attach(t.pid(), engine, Options.defaults().heldAs("tfix repl"))) {
                Options quick = new Options(Duration.ofSeconds(10), Duration.ofSeconds(2), Duration.ofMillis(300), "tfix status");
                TfixException e = assertThrows(TfixException.class,
                        () -> TfixSession.attach(t.pid(), engine, quick, w -> { }));
                assertEquals(Reason.ALREADY_TRACED, e.reason(), e.getMessage());
                assertEquals(Limit.LOCK_TIMEOUT, e.limit(), e.getMessage());
                assertTrue(e.getMessage().startsWith("process " + t.pid() + " is held by tfix repl (pid " + ME)
                        && e.getMessage().contains("waited 300 ms"), e.getMessage());
                assertTrue(holder.status().isEmpty(), "the holder goes on");
            }
            // Once it is let go, the next one gets it at once.
            try (TfixSession next = TfixSession.attach(t.pid(), engine, Options.defaults(), w -> {
                throw new AssertionError("waited for nobody: " + w);
            })) {
                assertTrue(next.status().isEmpty());
            }
            assertFalse(t.traced());
        }
    }
}
