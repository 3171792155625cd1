package tfix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tfix.dsl.TfixContext;
import tfix.engine.Engine;
import tfix.engine.Options;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/** Issue 13: the REPL's context lets the process go between statements and takes it again, the same process only. */
class SharedContextTest {
    @Test
    void aSharedContextIsDetachedBetweenStatementsAndAttachesAgainQuietly(@TempDir Path dir) throws Exception {
        Path patch = Targets.patch("scorer_patch.c");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        try (RunningTarget t = RunningTarget.start(Targets.exe("scorer.c"));
             TfixContext ctx = new TfixContext(Engine.create(), Options.defaults(), out, dir)) {
            t.awaitLine("compute=40 static=16");
            ctx.shareProcess(true);
            ctx.attach(t.pid());
            ctx.safety("stack");
            ctx.release();
            assertFalse(t.traced(), "traced between statements");
            assertTrue(ctx.attached() && !ctx.holding() && ctx.pid() == t.pid());
            bytes.reset();
            ctx.replace("compute", null, "compute_v2", patch.toString(), null);
            assertTrue(ctx.holding());
            String said = bytes.toString(StandardCharsets.UTF_8);
            assertTrue(said.startsWith("replaced compute with compute_v2"), "attaching again is quiet: " + said);
            t.awaitLine("compute=1005");
            ctx.release();
            assertFalse(t.traced());
            assertEquals(1, ctx.status().size());
            ctx.detach();
            assertFalse(ctx.attached());
        }
    }

    @Test
    void aStatementAfterTheProgramChangedIsRefused(@TempDir Path dir) throws Exception {
        Path trigger = dir.resolve("exec-now");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (RunningTarget t = RunningTarget.startPast("before exec compute=41", Targets.exe("exec_later.c"),
                trigger.toString(), Targets.exe("scorer.c").toString());
             TfixContext ctx = new TfixContext(Engine.create(), Options.defaults(), new PrintStream(bytes, true), dir)) {
            ctx.shareProcess(true);
            ctx.attach(t.pid());
            ctx.release();
            Files.createFile(trigger);
            t.awaitLine("compute=40 static=16"); // the new program runs under the same pid
            TfixException e = assertThrows(TfixException.class, ctx::status);
            assertEquals(Reason.PROCESS_GONE, e.reason(), e.getMessage());
            assertTrue(e.getMessage().contains("runs another program than the one this session attached to"), e.getMessage());
            assertFalse(t.traced(), "left traced after the refusal");
            assertTrue(t.alive());
        }
    }
}
