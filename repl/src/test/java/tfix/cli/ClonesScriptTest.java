package tfix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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

/** Issue 9, part 6, from a script: the plan shows the clones, a lone replace is refused, a transaction with the clone runs. */
class ClonesScriptTest {
    private static final String START = "kill=15 assist=23 capture=31 direct=6";
    private static Engine engine;

    @BeforeAll
    static void createEngine() {
        engine = Engine.create();
    }

    @AfterAll
    static void closeEngine() {
        engine.decoder().close();
    }

    @Test
    void thePlanShowsTheCloneALoneReplaceIsRefusedAndATransactionWithTheCloneRuns(@TempDir Path dir) {
        Path patch = Targets.patch("clones_patch.c");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ScriptRunner runner = new ScriptRunner(new TfixContext(engine, Options.defaults(),
                new PrintStream(out, true, StandardCharsets.UTF_8), dir));
        try (RunningTarget t = RunningTarget.startPast(START, Targets.exe("clones.c", "-O3"))) {
            String alone = "attach " + t.pid() + "\nplan { replace 'score' with 'score_v2' from '" + patch + "' }\n"
                    + "replace 'score' with 'score_v2' from '" + patch + "'\n";
            ScriptError e = assertThrows(ScriptError.class, () -> runner.runText(alone, Map.of()));
            assertEquals(Reason.UNSAFE_SITE, e.reason(), e.getMessage());
            assertEquals(3, e.line(), e.getMessage());
            assertTrue(e.getMessage().contains("clones: 'ignore'"), e.getMessage());
            String printed = out.toString(StandardCharsets.UTF_8);
            assertTrue(printed.contains("FAIL clones: score has 1 direct call; its clone score.constprop.0 has 3")
                    && printed.contains("=> would be REFUSED"), printed);
            assertFalse(Targets.mapsMention(t.pid(), patch.getFileName().toString()), "the patch is mapped");

            String both = "attach " + t.pid() + "\ntransaction {\n  replace 'score' with 'score_v2' from '" + patch + "'\n"
                    + "  replace 'score.constprop.0' with 'score_clone_v2' from '" + patch + "'\n}\ndetach\n";
            runner.runText(both, Map.of());
            printed = out.toString(StandardCharsets.UTF_8);
            assertTrue(printed.contains("score.constprop.0 is replaced too")
                    && printed.contains("warning: score.constprop.0 is a compiler clone of score"), printed);
            t.awaitLine("kill=9002 assist=9004 capture=9006 direct=5001");
            assertTrue(t.alive() && !t.traced(), "target dead or still traced");
        }
    }
}
