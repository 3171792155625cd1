package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/** A target that replaces its program (execve) while a session is attached. */
class ExecTest extends EngineTest {

    @Test
    void aSessionRefusesToWorkOnAProgramReplacedUnderIt(@TempDir Path dir) throws Exception {
        Path next = Targets.exe("scorer.c");
        Path patch = Targets.patch("scorer_patch.c");
        Path trigger = dir.resolve("exec-now");
        try (RunningTarget t = RunningTarget.startPast("before exec compute=41", Targets.exe("exec_later.c"),
                trigger.toString(), next.toString())) {
            try (TfixSession s = attach(t)) {
                s.symbols().resolve("compute", null, List.of()); // the old image's symbols are loaded
                Files.createFile(trigger);
                t.awaitLine("ready pid=" + t.pid());
                t.awaitLine("compute=40 static=16");
                TfixException e = assertThrows(TfixException.class, () -> s.replace("compute", null, "compute_v2", patch));
                assertEquals(Reason.PROCESS_GONE, e.reason(), e.getMessage());
                assertTrue(e.getMessage().contains("execve"), e.getMessage());
                TfixException later = assertThrows(TfixException.class, s::status, "every later verb is refused too");
                assertEquals(Reason.PROCESS_GONE, later.reason(), later.getMessage());
            }
            assertTrue(t.alive());
            assertFalse(t.traced());
            assertTrue(t.output().stream().noneMatch(l -> l.contains("compute=1005")), "nothing written into the new image");
            // The new program is whole: a new session patches it as any other.
            try (TfixSession s = attach(t)) {
                s.replace("compute", null, "compute_v2", patch);
                t.awaitLine("compute=1005");
            }
            assertFalse(t.traced());
        }
    }
}
