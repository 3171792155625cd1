package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import tfix.engine.elf.FunctionRef;
import tfix.engine.failure.Limit;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/** Issue 15, "messages that must be true": what tfix says after a failure is what the process shows. */
class HonestMessagesTest extends EngineTest {

    /** A dlopen that outlasts the call time-out: the message says the call may still run, and it does. */
    @Test
    void aTimedOutCallIsSaidToBeMaybeStillRunning() {
        Path slow = Targets.patch("slow_patch.c");
        try (RunningTarget t = RunningTarget.startPast(SafetyTest.START, SafetyTest.exe())) {
            Options quick = new Options(Duration.ofSeconds(1), Duration.ofSeconds(2));
            try (TfixSession s = TfixSession.attach(t.pid(), engine, quick)) {
                TfixException e = assertThrows(TfixException.class, () -> s.replace("tiny", null, "tiny_v2", slow));
                assertEquals(Reason.TIMEOUT, e.reason(), e.getMessage());
                String m = e.getMessage();
                assertTrue(m.contains("may still be running in that thread") && m.contains("stuck for good")
                        && m.contains("No function was patched"), m);
                assertFalse(m.contains("nothing was changed"), m);
            }
            // What the message promised: the call ends after tfix let go, and the thread carries on.
            t.awaitLine("slow constructor done");
            ScenarioTest.assertLetGo(t);
            assertTrue(Targets.mapsMention(t.pid(), slow.getFileName().toString()), "the call did load the library");
            try (TfixSession s = attach(t)) {
                s.replace("tiny", null, "tiny_v2", slow); // loaded already: no second dlopen
            }
            t.awaitLine("tiny=105");
        }
    }

    /** A thread that never leaves the site: the refusal names the patch library it leaves loaded. */
    @Test
    void aBusyThreadRefusalNamesThePatchLeftLoaded() {
        Path patch = SafetyTest.patch();
        Options shortWait = new Options(Duration.ofSeconds(10), Duration.ofMillis(300));
        try (RunningTarget t = RunningTarget.startPast(SafetyTest.START, SafetyTest.exe(), "spin")) {
            try (TfixSession s = TfixSession.attach(t.pid(), engine, shortWait)) {
                FunctionRef spin = s.symbols().resolve("spin", null, List.of());
                byte[] before = Targets.peek(t.pid(), spin.address(), 16);
                TfixException e = assertThrows(TfixException.class, () -> s.replace("spin", null, "spin_v2", patch));
                assertEquals(Reason.THREAD_BUSY, e.reason());
                String m = e.getMessage();
                assertTrue(m.contains("no code was changed") && m.contains(patch.getFileName() + " stays loaded"), m);
                assertEquals(Limit.THREAD_TIMEOUT, e.limit(), "the command line names --thread-timeout for it");
                assertFalse(m.contains("nothing was changed"), m);
                assertTrue(Targets.mapsMention(t.pid(), patch.getFileName().toString()), "the message says it is loaded");
                assertArrayEquals(before, Targets.peek(t.pid(), spin.address(), 16));
                assertTrue(s.status().isEmpty());
            }
            ScenarioTest.assertLetGo(t);
        }
    }
}
