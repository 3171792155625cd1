package tfix.cli.repl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tfix.dsl.ScriptError;
import tfix.dsl.ScriptRunner;
import tfix.dsl.TfixContext;
import tfix.engine.Engine;
import tfix.engine.Options;
import tfix.engine.failure.Reason;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/** Scripts run in this process: a failure's reason, script and line are fields, and the REPL reads its line from them. */
class ScriptErrorFieldsTest {
    private static Engine engine;

    @BeforeAll
    static void createEngine() {
        engine = Engine.create();
    }

    @AfterAll
    static void closeEngine() {
        engine.decoder().close();
    }

    private static ScriptRunner runner(Path dir) {
        return new ScriptRunner(new TfixContext(engine, Options.defaults(),
                new PrintStream(new ByteArrayOutputStream()), dir));
    }

    @Test
    void aMissingFunctionOnLineThreeIsNotFoundThereAndTheTargetRunsOn(@TempDir Path dir) {
        Path patch = Targets.patch("scorer_patch.c");
        try (RunningTarget t = RunningTarget.startPast("compute=40 static=16", Targets.exe("scorer.c"))) {
            String text = "attach " + t.pid() + "\n\nreplace 'nosuch' with 'compute_v2' from '" + patch + "'\n";
            ScriptError e = assertThrows(ScriptError.class, () -> runner(dir).runText(text, Map.of()));
            assertEquals(Reason.NOT_FOUND, e.reason(), e.getMessage());
            assertEquals("exec", e.script());
            assertEquals(3, e.line(), e.getMessage());
            assertTrue(t.alive(), "target died");
            assertFalse(t.traced(), "target still traced");
        }
    }

    @Test
    void anUnknownNamedArgumentIsAnErrorAndNothingIsReplaced(@TempDir Path dir) {
        Path patch = Targets.patch("scorer_patch.c");
        try (RunningTarget t = RunningTarget.startPast("compute=40 static=16", Targets.exe("scorer.c"))) {
            for (String statement : new String[] {
                    "replace 'compute', within: 'libc.so.6' with 'compute_v2' from '" + patch + "'",
                    "replace 'compute' with 'compute_v2' from '" + patch + "', clones: 'keep'",
                    "replace 'compute' with 'compute_v2' from '" + patch + "', orignal: 'compute_orig'",
                    "apply '" + patch + "', sha: 'abc'",
                    "replace 'compute' with 'compute_v2' from '" + patch + "', sha: 'abc'",
                    "expect buildId: 'abc', library: 'libc.so.6'",
                    "revert transaction: 'one'"}) {
                ScriptError e = assertThrows(ScriptError.class,
                        () -> runner(dir).runText("attach " + t.pid() + "\n" + statement + "\n", Map.of()));
                assertEquals(Reason.BAD_INPUT, e.reason(), e.getMessage());
                assertEquals(2, e.line(), e.getMessage());
                assertFalse(Targets.mapsMention(t.pid(), patch.getFileName().toString()), "a patch was loaded: " + statement);
            }
            assertTrue(t.alive(), "target died");
            assertFalse(t.traced(), "target still traced");
        }
    }

    @Test
    void anUnknownVerbAndASyntaxErrorAreBadInputOnTheirLine(@TempDir Path dir) {
        ScriptError verb = assertThrows(ScriptError.class, () -> runner(dir).runText("\n\nstatsu\n", Map.of()));
        assertEquals(Reason.BAD_INPUT, verb.reason(), verb.getMessage());
        assertEquals("exec", verb.script());
        assertEquals(3, verb.line(), verb.getMessage());

        ScriptError syntax = assertThrows(ScriptError.class, () -> runner(dir).runText("status\nstatus }\n", Map.of()));
        assertEquals(Reason.BAD_INPUT, syntax.reason(), syntax.getMessage());
        assertEquals("exec", syntax.script());
        assertEquals(2, syntax.line(), syntax.getMessage());
    }

    @Test
    void theReplShowsTheLineOfABlockFromTheErrorsField(@TempDir Path dir) {
        String block = "1 + 1\nstatsu\n";
        ScriptError inBlock = assertThrows(ScriptError.class, () -> runner(dir).evaluate(block, Evaluator.NAME, Map.of()));
        assertEquals(Evaluator.NAME, inBlock.script());
        assertEquals(2, inBlock.line(), inBlock.getMessage());
        assertTrue(Evaluator.shorten(inBlock, block).startsWith("line 2: unknown verb 'statsu'"),
                Evaluator.shorten(inBlock, block));

        ScriptError oneLine = assertThrows(ScriptError.class, () -> runner(dir).evaluate("statsu", Evaluator.NAME, Map.of()));
        assertEquals(1, oneLine.line(), oneLine.getMessage());
        assertTrue(Evaluator.shorten(oneLine, "statsu").startsWith("unknown verb 'statsu'"), Evaluator.shorten(oneLine, "statsu"));
    }
}
