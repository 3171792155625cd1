package tfix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/** Issue 9 part 2 as users write it: {@code replace ... original: 'compute_orig'}, through the command line. */
class OriginalDslTest {

    @Test
    void originalNamesTheVariableThatGetsTheCopy() throws Exception {
        String patch = Targets.patch("original_patch.c").toString();
        try (RunningTarget t = RunningTarget.startPast("^tick ", Targets.exe("original.c"))) {
            String replace = "replace 'compute' with 'compute_v2' from '" + patch + "', original: 'compute_orig'";
            CliTest.Result plan = CliTest.tfix("exec", "attach " + t.pid() + "; plan { " + replace + " }");
            assertEquals(0, plan.exit(), plan.err());
            assertTrue(plan.out().contains("original copy at 0x") && plan.out().contains("endbr64; test edi, edi; js")
                    && plan.out().contains("ok   original: compute_orig at 0x")
                    && plan.out().contains("ok   placement: the trampoline and copy addresses shown are where they could go"),
                    plan.out());

            CliTest.Result r = CliTest.tfix("exec", "attach " + t.pid() + "; " + replace + "; status; verify");
            assertEquals(0, r.exit(), r.err());
            assertTrue(r.out().contains("replaced compute with compute_v2") && r.out().contains("; original copy at 0x"), r.out());
            assertTrue(r.out().lines().anyMatch(l -> l.contains("#1 compute -> compute_v2") && l.contains("original copy at 0x")),
                    r.out());
            assertTrue(r.out().contains("ok   compute -> compute_v2"), r.out());
            t.awaitLine(l -> l.startsWith("tick ") && !l.contains(" new=0 ") && !l.contains(" newneg=0 "), Duration.ofSeconds(20));

            CliTest.Result wrong = CliTest.tfix("exec", "attach " + t.pid()
                    + "; replace 'compute' with 'compute_v3' from '" + patch + "', original: 'compute_v2'");
            assertEquals(1, wrong.exit());
            assertTrue(wrong.err().contains("original: 'compute_v2' must name a function-pointer variable defined in"), wrong.err());

            CliTest.Result back = CliTest.tfix("exec", "attach " + t.pid() + "; revert 'compute'");
            assertEquals(0, back.exit(), back.err());
            assertFalse(t.output().stream().anyMatch(l -> l.startsWith("BAD")), t.output().toString());
        }
    }
}
