package tfix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** `tfix demo`, the README's first command, run as a user would: a separate process. */
class DemoTest {
    @Test
    void demoPatchesAndRevertsTheSampleServer() throws Exception {
        // The demo finds the samples through tfix.home, which the launcher sets.
        CliTest.Result r = CliTest.tfix("demo");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("replaced score_for_kill with score_for_kill_v2"), r.out());
        assertTrue(r.out().contains("reverted score_for_kill"), r.out());
        assertTrue(r.out().contains("still running: true"), r.out());
        assertTrue(r.out().contains("the best player off the bench: ") && r.out().contains("mvp=carol"), r.out());
        assertTrue(r.out().contains("reverted pick_mvp"), r.out());
    }
}
