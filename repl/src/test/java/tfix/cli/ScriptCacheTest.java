package tfix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/**
 * Issue 18 goal 4: exec keeps compiled scripts in the user's cache, so running the same statements again does not
 * load Groovy's compiler; a cache it cannot trust or write is passed over, never a failure.
 */
class ScriptCacheTest {
    @TempDir
    Path dir;

    /** exec with the cache in {@code cache}; the JVM's class-load log in {@code log}. */
    private CliTest.Result exec(Path cache, Path log, String text) throws Exception {
        return CliTest.tfixWith(Map.of("TFIX_SCRIPT_CACHE", cache.toString(),
                "JAVA_TOOL_OPTIONS", "-Xlog:class+load=info:file=" + log), Path.of("..").toAbsolutePath().normalize(), "exec", text);
    }

    /** Whether the run loaded Groovy's parser (compiled a script). */
    private static boolean compiled(Path log) throws Exception {
        boolean parser = Files.readAllLines(log).stream().anyMatch(l -> l.contains(" org.apache.groovy.parser.antlr4."));
        Files.delete(log);
        return parser;
    }

    private static String err(CliTest.Result r) {
        return String.join("\n", r.err().lines().filter(l -> !l.startsWith("Picked up JAVA_TOOL_OPTIONS")).toList());
    }

    private static List<Path> entries(Path cache) throws Exception {
        try (var s = Files.list(cache)) {
            return s.toList();
        }
    }

    @Test
    void aReplaceRunAgainComesFromTheCacheAndDoesTheSame() throws Exception {
        Path exe = Targets.exe("scorer.c", "-pie", "-fPIE");
        Path patch = Targets.patch("scorer_patch.c");
        Path cache = dir.resolve("cache");
        Path log = dir.resolve("classes.log");
        try (RunningTarget t = RunningTarget.start(exe)) {
            t.awaitLine("compute=40 static=16");
            String script = "attach " + t.pid() + "\nreplace 'compute' with 'compute_v2' from '" + patch + "'\ndetach";
            CliTest.Result first = exec(cache, log, script);
            assertEquals(0, first.exit(), first.err());
            assertTrue(compiled(log), "the first run compiles");
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(cache)));
            assertEquals(1, entries(cache).size(), entries(cache).toString());
            t.awaitLine("compute=1005");
            assertEquals(0, CliTest.tfix("revert", "--pid", Integer.toString(t.pid())).exit());
            t.awaitLine("compute=40");

            CliTest.Result again = exec(cache, log, script);
            assertEquals(0, again.exit(), again.err());
            assertFalse(compiled(log), "the second run loads the compiled script instead");
            assertTrue(again.out().contains("replaced compute with compute_v2"), again.out());
            t.awaitLine("compute=1005");
            assertEquals(1, entries(cache).size());
            assertFalse(t.traced());
        }
    }

    @Test
    void errorsNameTheSameLineFromTheCacheAndSyntaxErrorsAreNotKept() throws Exception {
        Path cache = dir.resolve("cache");
        Path log = dir.resolve("classes.log");
        String script = "println 'six ' + (2 * 3)\nfrobnicate 'x'";
        CliTest.Result first = exec(cache, log, script);
        assertTrue(compiled(log));
        CliTest.Result again = exec(cache, log, script);
        assertFalse(compiled(log));
        assertEquals(1, again.exit());
        assertTrue(again.out().contains("six 6"), again.out());
        assertTrue(err(again).startsWith("tfix: exec:2: unknown verb 'frobnicate'"), err(again));
        assertEquals(err(first), err(again));

        CliTest.Result syntax = exec(cache, log, "println 'x' +");
        assertEquals(1, syntax.exit());
        assertTrue(err(syntax).contains("syntax error"), err(syntax));
        compiled(log);
        assertEquals(1, entries(cache).size(), "only the script that compiled is kept");
    }

    @Test
    void aCacheOthersCanWriteIsNotUsedAndOneThatCannotBeWrittenFailsNothing() throws Exception {
        Path cache = dir.resolve("shared");
        Path log = dir.resolve("classes.log");
        String script = "println 'sum ' + (40 + 2)";
        assertEquals(0, exec(cache, log, script).exit());
        compiled(log);
        Files.setPosixFilePermissions(cache, PosixFilePermissions.fromString("rwxrwxrwx"));
        CliTest.Result open = exec(cache, log, script);
        assertEquals(0, open.exit(), open.err());
        assertTrue(open.out().contains("sum 42"), open.out());
        assertTrue(compiled(log), "a folder others may write is not trusted: compiled again");

        Path notADir = dir.resolve("file");
        Files.writeString(notADir, "x");
        CliTest.Result blocked = exec(notADir.resolve("cache"), log, script);
        assertEquals(0, blocked.exit(), blocked.err());
        assertTrue(blocked.out().contains("sum 42"), blocked.out());
        assertEquals("", err(blocked));
        compiled(log);
    }
}
