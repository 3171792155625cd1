package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tfix.engine.elf.FunctionRef;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.patch.Check;
import tfix.engine.patch.ReplaceSpec;
import tfix.engine.patch.SitePlan;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/** Issue 15 item 5: branches into a function from anywhere in its module, a .cold part first. */
class ColdPathTest extends EngineTest {

    static Path patch() {
        return Targets.patch("cold_patch.c");
    }

    static void runsUntouched(RunningTarget t) {
        assertTrue(t.alive(), "target died");
        assertFalse(t.traced(), "target still traced");
    }

    /** Also with over a MiB of code in the module, where the sweep used to stop. */
    @ParameterizedTest
    @ValueSource(strings = {"-DSMALL", "-DBIG"})
    void aThreadInTheColdPartWouldJumpBackIntoTheSiteSoTheReplaceIsRefused(String size) throws Exception {
        Path exe = Targets.exe("cold.c", "-O2", size);
        live(exe, "^in cold 1$", (t, s) -> {
            FunctionRef work = s.symbols().resolve("work", null, List.of());
            FunctionRef cold = s.symbols().resolve("work.cold", null, List.of());
            assertFalse(work.symbol().isLocal(), "work is exported: the case the sweep used to skip");
            byte[] before = Targets.peek(t.pid(), work.address(), 14);

            TfixException e = assertThrows(TfixException.class, () -> s.replace("work", null, "work_v2", patch()));
            assertEquals(Reason.UNSAFE_SITE, e.reason());
            long jmp = cold.address() + cold.symbol().size() - 5; // work.cold ends with its 5-byte jmp back
            assertTrue(e.getMessage().contains(String.format("jmp at %#x (work.cold+%#x) jumps to %#x", jmp,
                    jmp - cold.address(), work.address() + 2)), e.getMessage());
            assertArrayEquals(before, Targets.peek(t.pid(), work.address(), 14), "work's bytes changed");
            assertTrue(s.status().isEmpty());
            // The sleeping thread wakes, jumps back to work+2 and comes round again: it was not harmed.
            t.awaitLine("^in cold 3$");
            t.awaitLine("^work=10 entry=3 feeder=13 ");
        }, ColdPathTest::runsUntouched);
    }

    @Test
    void anExportedFunctionsPlanNamesBranchesFromOtherFunctionsOfItsModule() throws Exception {
        live(Targets.exe("cold.c", "-O2"), "^in cold 1$", (t, s) -> {
            FunctionRef feeder = s.symbols().resolve("feeder", null, List.of());
            FunctionRef cold = s.symbols().resolve("work.cold", null, List.of());
            List<SitePlan> plans = s.plan(List.of(ReplaceSpec.of("entry", "entry_v2", patch()),
                    ReplaceSpec.of("cold_wait", "cold_wait_v2", patch())));

            SitePlan entry = plans.get(0);
            assertFalse(entry.ok());
            assertTrue(entry.describe().contains(String.format("jmp at %#x (feeder+0x3) jumps to %#x", feeder.address() + 3,
                    s.symbols().resolve("entry", null, List.of()).address() + 2)), entry.describe());

            SitePlan waiter = plans.get(1);
            Check branches = waiter.checks().stream().filter(c -> c.name().equals("branches")).findFirst().orElseThrow();
            assertTrue(branches.passed(), waiter.describe());
            long call = cold.address() + 6; // push, push, sub $8: the call to cold_wait
            assertTrue(branches.detail().contains(String.format("work.cold+%#x", call - cold.address())), branches.detail());
            assertTrue(s.status().isEmpty());
            t.awaitLine("^work=10 entry=3 feeder=13 ");
        }, ColdPathTest::runsUntouched);
    }
}
