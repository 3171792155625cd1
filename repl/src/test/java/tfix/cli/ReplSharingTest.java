package tfix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tfix.engine.testing.Await;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/**
 * Issue 13: an open REPL holds its process only while a statement runs. Other tfix runs work on it between
 * statements at once, and during one they wait, saying for whom, instead of failing as "already traced".
 */
class ReplSharingTest {
    /** A tfix command line in its own JVM, its output followed in a file while it runs. */
    private static Process tfixRunning(Path out, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), "tfix.cli.Main"));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    }

    @Test
    void otherTfixRunsWorkBetweenStatementsAndWaitDuringOne(@TempDir Path dir) throws Exception {
        Path exe = Targets.exe("corners.c");
        Path patch = dir.resolve("patch.so");
        Files.copy(Targets.patch("corners_patch.c"), patch);
        try (RunningTarget t = RunningTarget.start(exe, "spin")) {
            t.awaitLine("tiny=10");
            int pid = t.pid();
            try (TmuxPane r = TmuxPane.start(dir, dir.resolve("state"), "repl", "--pid", Integer.toString(pid),
                    "--thread-timeout", "60000")) {
                r.expect("attached to process " + pid);
                r.expect(ReplTest.prompt(pid, 0));
                assertFalse(t.traced(), "an idle REPL still traces the process");

                // The REPL is idle: a status from another terminal works at once.
                CliTest.Result status = CliTest.tfix("status", "--pid", Integer.toString(pid));
                assertEquals(0, status.exit(), status.err());
                assertTrue(status.out().contains("process " + pid + ": 0 patches in force"), status.out());
                assertFalse(status.out().contains("waiting"), "nobody to wait for: " + status.out());

                // So does a replace from another tfix; the REPL's next statement sees it.
                CliTest.Result replace = CliTest.tfix("exec", "attach " + pid + "; replace 'tiny' with 'tiny_v2' from '"
                        + patch + "'; detach");
                assertEquals(0, replace.exit(), replace.err());
                t.awaitLine("tiny=105");
                r.line("status");
                r.expect("process " + pid + ": 1 patch in force");
                r.expect("tiny -> tiny_v2 \\(patch.so\\)");
                r.expect(ReplTest.prompt(pid, 1));

                // A statement that holds the process: a thread spins inside spin's first bytes, tfix retries for 60 s.
                r.line("replace 'spin' with 'spin_v2' from 'patch.so'");
                r.expect("still running: Ctrl-C cancels");
                Path out = dir.resolve("status.out");
                Process waiting = tfixRunning(out, "status", "--pid", Integer.toString(pid));
                try {
                    Await.until(Duration.ofSeconds(30), () -> Files.readString(out).contains("waiting for"));
                    String said = Files.readString(out);
                    assertTrue(said.contains("waiting for tfix repl (pid ") && said.contains("which holds process " + pid),
                            said);
                    assertTrue(waiting.isAlive(), "the status did not wait for the REPL's statement");
                    r.keys("C-c");
                    r.expect("error: cancelled while waiting");
                    assertTrue(waiting.waitFor(60, TimeUnit.SECONDS), "the status never got the process");
                    String done = Files.readString(out);
                    assertEquals(0, waiting.exitValue(), done);
                    assertTrue(done.contains("process " + pid + ": 1 patch in force"), done);
                } finally {
                    waiting.destroyForcibly();
                }
                r.expect(ReplTest.prompt(pid, 1));

                // The REPL goes on as before, and leaves as before.
                r.line("revert()");
                r.expect("reverted tiny");
                t.awaitLine("tiny=10 ");
                r.expect(ReplTest.prompt(pid, 0));
                r.keys("C-d");
                r.expect("detached from process " + pid);
                assertEquals(0, r.awaitExit());
            }
            assertTrue(t.alive(), "target died");
            assertFalse(t.traced(), "target still traced");
        }
    }

    /** A refusal that ran into a limit names the option that raises it. */
    @Test
    void aThreadBusyRefusalNamesThreadTimeout() throws Exception {
        Path exe = Targets.exe("corners.c");
        Path patch = Targets.patch("corners_patch.c");
        try (RunningTarget t = RunningTarget.start(exe, "spin")) {
            t.awaitLine("tiny=10");
            CliTest.Result r = CliTest.tfix("exec", "--thread-timeout", "200", "attach " + t.pid()
                    + "; replace 'spin' with 'spin_v2' from '" + patch + "'");
            assertEquals(1, r.exit(), r.out());
            assertTrue(r.err().contains("executing inside the bytes of spin")
                    && r.err().strip().endsWith("(--thread-timeout MS raises the wait)"), r.err());
            assertTrue(t.alive());
            assertFalse(t.traced());
        }
    }
}
