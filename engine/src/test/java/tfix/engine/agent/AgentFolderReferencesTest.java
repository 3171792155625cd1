package tfix.engine.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tfix.engine.testing.AgentTargets;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/**
 * TFIX_AGENT_DIR with references to the program's non-exported names (TFIX_EXTERN of a static): bound into the
 * patch's slots before the jump, as tfix binds them; a name the program does not have is refused in NAME.result,
 * naming it, before the patch is loaded, and the program runs on unchanged.
 */
class AgentFolderReferencesTest extends EngineTest {
    private static final Path EXE = Targets.exe("agent_target.c");
    private static final String INCLUDE = "-I" + Path.of("..", "include").toAbsolutePath().normalize();

    private static String result(Path file) throws IOException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!Files.exists(file)) {
            assertTrue(System.nanoTime() < deadline, "no " + file);
            LockSupport.parkNanos(5_000_000L);
        }
        String line = Files.readString(file).strip();
        Files.delete(file);
        return line;
    }

    @Test
    void aStaticOfTheProgramIsBoundAndANameFoundNowhereIsRefusedNamingIt(@TempDir Path dir) throws Exception {
        Path unbound = Targets.patch("agent_fix_unbound_patch.c", INCLUDE);
        Path bound = Targets.patch("agent_fix_static_patch.c", INCLUDE);
        try (RunningTarget t = AgentTargets.start("dumpable=1", EXE, List.of("TFIX_AGENT_DIR=" + dir,
                "TFIX_JOURNAL=" + dir.resolve("journal.jsonl")))) {
            Files.copy(unbound, dir.resolve("unbound.so"));
            String refused = result(dir.resolve("unbound.result"));
            assertEquals("failed: reference no_such_counter is found nowhere (not exported, not in the program's .symtab:"
                    + " stripped?); nothing was loaded", refused);
            assertFalse(Targets.mapsMention(t.pid(), unbound.getFileName().toString()), "loaded though refused");
            assertFalse(Targets.mapsMention(t.pid(), "unbound.so"), "loaded though refused");
            t.awaitLine("tick .* hot=2 .*usr1=0");

            Files.copy(bound, dir.resolve("marks.so"));
            String ok = result(dir.resolve("marks.result"));
            assertTrue(ok.startsWith("ok: applied hot->hot_marks"), ok);
            // hot_marks wrote the program's own usr1s through the bound reference (0 would have crashed it).
            t.awaitLine("tick .* hot=3 .*usr1=7");
            Files.writeString(dir.resolve("marks.revert"), "");
            assertTrue(result(dir.resolve("marks.result")).startsWith("ok: reverted 1 site"));
            t.awaitLine("tick .* hot=2 ");
            assertTrue(t.alive());
            assertFalse(t.traced());
            assertEquals(List.of(), t.output().stream().filter(l -> l.startsWith("BAD")).toList());
        }
    }
}
