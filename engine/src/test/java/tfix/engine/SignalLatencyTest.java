package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/**
 * While tfix is attached, every signal stops its thread until tfix passes it on: a 1 ms
 * timer in the target must keep ticking while tfix reads ELF files (cold, a new engine),
 * plans, loads the patch and reverts. Its largest gap is printed, and must stay far below
 * the time tfix spends thinking (which, before, it all added to one gap).
 */
class SignalLatencyTest {
    private static final Pattern WINDOW = Pattern.compile("window (\\d+) max_us=(\\d+)");

    @Test
    void aOneMillisecondTimerKeepsTickingThroughAReplaceAndRevert() {
        Path exe = Targets.exe("ticker.c");
        Path patch = Targets.patch("ticker_patch.c");
        try (RunningTarget t = RunningTarget.start(exe)) {
            String before = t.awaitLine("window \\d+ max_us=\\d+ compute=21");
            long t0 = System.nanoTime();
            Engine cold = Engine.create();
            try (TfixSession s = TfixSession.attach(t.pid(), cold, Options.defaults())) {
                s.replace("compute", null, "compute_v2", patch);
                t.awaitLine("compute=1021");
                s.revert("compute");
            } finally {
                cold.decoder().close();
            }
            long spent = (System.nanoTime() - t0) / 1_000_000;
            String last = t.awaitLine("window \\d+ max_us=\\d+ compute=21");
            t.awaitLine(l -> l.startsWith("window") && !l.equals(last), Duration.ofSeconds(5));
            List<String> lines = t.output();
            long worst = 0;
            for (String l : lines.subList(lines.indexOf(before) + 1, lines.size())) {
                Matcher m = WINDOW.matcher(l);
                if (m.find()) {
                    worst = Math.max(worst, Long.parseLong(m.group(2)));
                }
            }
            System.out.printf("1 ms timer during attach, replace, revert, detach (%d ms, cold ELF cache): largest gap"
                    + " %.1f ms%n", spent, worst / 1000.0);
            // Not a timing bound (a busy host delays the target too): the signals must not have waited
            // for tfix's work, which before added all of itself to one gap.
            assertTrue(worst < spent * 1000 / 2, "the timer's signals waited " + worst / 1000 + " ms while tfix worked "
                    + spent + " ms");
            assertTrue(t.alive());
            assertFalse(t.traced());
        }
    }
}
