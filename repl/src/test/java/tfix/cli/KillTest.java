package tfix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import tfix.engine.Engine;
import tfix.engine.Options;
import tfix.engine.TfixSession;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/**
 * tfix is killed with SIGKILL at random instants while it patches and unpatches a
 * multi-threaded target: the target must survive every time, untraced and running.
 */
class KillTest {
    static final int ROUNDS = Integer.getInteger("tfix.killRounds", 20);

    @Test
    void targetSurvivesTfixKilledAtRandomInstants() throws Exception {
        Path exe = Targets.exe("hammer.c");
        Path patch = Targets.patch("hammer_patch.c");
        Random random = new Random(42);
        try (RunningTarget t = RunningTarget.start(exe, "4")) {
            t.awaitLine("tick 1 ");
            // The two states the function may be in: its own code, or the whole jump.
            long hot;
            byte[] original, patched;
            Engine engine = Engine.create();
            try (TfixSession s = TfixSession.attach(t.pid(), engine, Options.defaults())) {
                hot = s.symbols().resolve("hot", null, List.of()).address();
                original = Targets.peek(t.pid(), hot, 16);
                s.replace("hot", null, "hot_v2", patch);
                patched = Targets.peek(t.pid(), hot, 16);
                s.revert("hot");
            }
            String cycle = "replace 'hot' with 'hot_v2' from '" + patch + "'; revert 'hot'; ";
            String script = "attach " + t.pid() + "; " + cycle.repeat(30) + "detach";
            int killed = 0;
            for (int i = 0; i < ROUNDS; i++) {
                Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), "tfix.cli.Main", "exec", script)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
                if (!p.waitFor(400 + random.nextInt(1200), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly().waitFor();
                    killed++;
                }
                awaitUntraced(t);
                assertTrue(t.alive(), "target died after tfix was killed (round " + i + ")");
                char state = t.state().orElse('?');
                assertTrue(state != 't' && state != 'T', "target left stopped: " + state);
                byte[] now = Targets.peek(t.pid(), hot, 16);
                assertTrue(Arrays.equals(now, original) || Arrays.equals(now, patched),
                        "hot() is neither old nor new code: " + HexFormat.of().formatHex(now));
            }
            System.out.println("tfix killed mid-run " + killed + " times of " + ROUNDS);
            // A clean run afterwards settles whatever state the record is in.
            CliTest.Result r = CliTest.tfix("exec", "attach " + t.pid() + "; revert(); status; detach");
            assertEquals(0, r.exit(), r.err());
            assertTrue(r.out().contains("0 patches in force"), r.out());
            long old1 = olds(t.awaitLine(l -> l.startsWith("tick"), Duration.ofSeconds(5)));
            long old2 = olds(t.awaitLine(l -> l.startsWith("tick") && olds(l) > old1, Duration.ofSeconds(5)));
            assertTrue(old2 > old1);
            assertTrue(t.output().stream().noneMatch(l -> l.startsWith("BAD")), String.join("\n", t.output()));
            assertFalse(t.traced());
        }
    }

    private static long olds(String tick) {
        return Long.parseLong(tick.replaceAll(".*old=(\\d+).*", "$1"));
    }

    private static void awaitUntraced(RunningTarget t) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (t.traced() && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertFalse(t.traced(), "still traced after tfix died");
    }
}
