package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.patch.OriginalCopy;
import tfix.engine.record.AppliedPatch;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;

/**
 * Issue 18 goal 4: status and verify read a process's record and patched bytes through /proc/PID/mem without
 * attaching. They must say what an attached session says, see a changed byte, never trace the process, and take
 * their turn with a tfix that holds it.
 */
class RecordLookTest extends EngineTest {
    private static List<String> shown(List<AppliedPatch> patches) {
        return patches.stream().map(p -> p.id() + " " + p.function() + " " + p.site() + " " + p.copy()).toList();
    }

    @Test
    void readsWhatAnAttachedSessionReadsAndSeesAChangedCopyWithoutTracing() {
        try (RunningTarget t = RunningTarget.startPast("^tick ", OriginalCopyTest.exe())) {
            OriginalCopy copy;
            List<AppliedPatch> attached;
            try (TfixSession s = attach(t)) {
                Results.Replaced r = s.replace(OriginalCopyTest.spec("compute", "compute_v2", "compute_orig"));
                copy = OriginalCopyTest.assertCopyInPlace(t, r);
                attached = s.status();
                assertTrue(s.verify().stream().allMatch(Results.Verified::ok), s.verify().toString());
            }
            assertFalse(t.traced());
            try (RecordLook look = RecordLook.open(t.pid(), Options.defaults(), line -> { }).orElseThrow()) {
                assertEquals(shown(attached), shown(look.status()));
                List<Results.Verified> v = look.verify();
                assertEquals(1, v.size());
                assertTrue(v.get(0).ok(), v.toString());
                assertFalse(t.traced(), "the look traces the process");
                // The copy is read back too: its endbr64 made an endbr32 (harmless here) is a copy not in place.
                OriginalCopyTest.poke(t.pid(), copy.address() + 3, (byte) 0xfb);
                assertFalse(look.verify().get(0).ok(), "a changed copy verified as in place");
                OriginalCopyTest.poke(t.pid(), copy.address() + 3, (byte) 0xfa);
                assertTrue(look.verify().get(0).ok());
            }
            try (TfixSession s = attach(t)) {
                s.revert("compute");
            }
            try (RecordLook look = RecordLook.open(t.pid(), Options.defaults(), line -> { }).orElseThrow()) {
                assertEquals(List.of(), look.status());
                assertEquals(List.of(), look.verify());
            }
            OriginalCopyTest.assertNoBadAnswer(t);
        }
    }

    @Test
    void waitsForATfixThatHoldsTheProcessAndSaysForWhom() {
        try (RunningTarget t = RunningTarget.startPast("^tick ", OriginalCopyTest.exe())) {
            List<String> said = new ArrayList<>();
            try (TfixSession s = attach(t)) {
                Options brief = new Options(Duration.ofSeconds(10), Duration.ofSeconds(2), Duration.ofMillis(200), "tfix status");
                TfixException e = assertThrows(TfixException.class, () -> RecordLook.open(t.pid(), brief, said::add));
                assertEquals(Reason.ALREADY_TRACED, e.reason(), e.getMessage());
                assertTrue(said.size() == 1 && said.get(0).startsWith("waiting for "), said.toString());
            }
            // Let go: the look opens at once, and its claim is let go with it (an attach follows).
            try (RecordLook look = RecordLook.open(t.pid(), Options.defaults(), said::add).orElseThrow()) {
                assertEquals(List.of(), look.status());
            }
            try (TfixSession s = attach(t)) {
                assertEquals(List.of(), s.status());
            }
        }
    }

    @Test
    void aProcessThatIsNotThereIsLeftToTheAttachWhichNamesIt() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        assertTrue(RecordLook.open((int) gone.pid(), Options.defaults(), line -> { }).isEmpty());
        assertTrue(RecordLook.open(-3, Options.defaults(), line -> { }).isEmpty());
    }
}
