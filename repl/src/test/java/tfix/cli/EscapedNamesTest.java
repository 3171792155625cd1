package tfix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/** Issue 15, item 9: a name with terminal escapes (here a patch file's) prints escaped in status, verify, revert and the log. */
class EscapedNamesTest {
    private static final String ESC = "\u001b]0;pwned\u0007\u001b[2J";

    static void assertEscaped(String out) {
        assertFalse(out.chars().anyMatch(c -> c == 0x1b || c == 0x07), "control characters printed: " + out);
        assertTrue(out.contains("\\x1b]0;pwned\\x07\\x1b[2J"), "escaped: " + out);
    }

    @Test
    void statusVerifyRevertAndLogPrintNamesEscaped(@TempDir Path dir) throws Exception {
        Path evil = dir.resolve("lib" + ESC + "evil.so");
        Files.copy(Targets.patch("scorer_patch.c"), evil);
        Map<String, String> env = Map.of("TFIX_JOURNAL", dir.resolve("journal.jsonl").toString());
        Path home = Path.of("..").toAbsolutePath().normalize();
        // Groovy decodes the \\u escapes: the script names the file as it is on disk.
        String groovyPath = evil.toString().replace(ESC, "\\u001b]0;pwned\\u0007\\u001b[2J");
        try (RunningTarget t = RunningTarget.startPast("compute=40", Targets.exe("scorer.c"))) {
            CliTest.Result r = CliTest.tfixWith(env, home, "exec", "attach " + t.pid() + "; replace 'compute' with 'compute_v2'"
                    + " from '" + groovyPath + "'; status; verify; revert 'compute'; detach");
            assertEquals(0, r.exit(), r.err());
            assertEscaped(r.out());
            assertTrue(r.out().contains("reverted compute"), r.out());
            t.awaitLine("compute=40");
            CliTest.Result log = CliTest.tfixWith(env, home, "log", "--pid", Integer.toString(t.pid()));
            assertEquals(0, log.exit(), log.err());
            assertEscaped(log.out());
            assertFalse(t.traced());
        }
    }
}
