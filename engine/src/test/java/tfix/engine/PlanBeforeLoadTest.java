package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.patch.Check;
import tfix.engine.patch.ReplaceSpec;
import tfix.engine.patch.SitePlan;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/**
 * Issue 15, item 7: a replace that is refused never runs the patch's code. The patches' constructors
 * print a mark into the target's output; every refusal must leave no mark, no mapping of the patch, and
 * the target running untraced. Each test ends by loading a patch for real, so the mark is shown to work.
 */
class PlanBeforeLoadTest extends EngineTest {
    static final String MARK = "patch constructor ran";

    static Path marking() {
        return Targets.patch("marking_patch.c");
    }

    static Path unresolved() {
        return Targets.patch("unresolved_patch.c");
    }

    static RunningTarget corners() {
        return RunningTarget.startPast(SafetyTest.START, SafetyTest.exe());
    }

    static void assertNothingLoaded(RunningTarget t, Path patch) {
        assertFalse(t.output().contains(MARK), "the patch's constructor ran: " + t.output());
        assertFalse(Targets.mapsMention(t.pid(), patch.getFileName().toString()), "the patch is mapped");
        ScenarioTest.assertLetGo(t);
    }

    /** The control: the same target loads the marking patch for real, shows the mark and runs the new code. */
    static void assertLoadsForReal(RunningTarget t) {
        try (TfixSession s = attach(t)) {
            s.replace("tiny", null, "tiny_v2", marking());
        }
        t.awaitLine(MARK);
        t.awaitLine("tiny=105");
        ScenarioTest.assertLetGo(t);
    }

    @Test
    void aSiteRefusedForItsSizeLoadsNothing() {
        try (RunningTarget t = corners()) {
            try (TfixSession s = attach(t)) {
                TfixException e = assertThrows(TfixException.class, () -> s.replace("tight", null, "tight_v2", marking()));
                assertEquals(Reason.UNSAFE_SITE, e.reason());
                assertTrue(e.getMessage().contains("too short") && e.getMessage().endsWith("no patch was loaded"),
                        e.getMessage());
                TfixException inTx = assertThrows(TfixException.class, () -> s.transaction(List.of(
                        ReplaceSpec.of("tiny", "tiny_v2", marking()), ReplaceSpec.of("tight", "tight_v2", marking()))));
                assertTrue(inTx.getMessage().contains("too short"), inTx.getMessage());
                assertTrue(s.status().isEmpty());
            }
            assertNothingLoaded(t, marking());
            assertLoadsForReal(t);
        }
    }

    @Test
    void aPlanLoadsNothingAndListsTheSymbolCheck() {
        try (RunningTarget t = corners()) {
            try (TfixSession s = attach(t)) {
                List<SitePlan> plans = s.plan(List.of(ReplaceSpec.of("tiny", "tiny_v2", marking()),
                        ReplaceSpec.of("tight", "tight_v2", marking()), ReplaceSpec.of("tiny", "tiny_v2", unresolved())));
                assertTrue(plans.get(0).ok(), plans.get(0).describe());
                Check symbols = check(plans.get(0), "symbols");
                assertTrue(symbols.passed() && symbols.detail().contains("defined by the process's modules"), symbols.detail());
                assertFalse(plans.get(1).ok(), plans.get(1).describe());
                assertFalse(plans.get(2).ok(), plans.get(2).describe());
                assertTrue(s.describe(plans.get(2)).contains("FAIL symbols: " + unresolved().getFileName()
                        + " needs tfix_nowhere_defined"), s.describe(plans.get(2)));
            }
            assertNothingLoaded(t, marking());
            assertNothingLoaded(t, unresolved());
            assertLoadsForReal(t);
        }
    }

    @Test
    void aPatchWithAnUndefinedSymbolIsRefusedBeforeLoading() {
        try (RunningTarget t = corners()) {
            try (TfixSession s = attach(t)) {
                TfixException e = assertThrows(TfixException.class, () -> s.replace("tiny", null, "tiny_v2", unresolved()));
                assertEquals(Reason.BAD_PATCH_FILE, e.reason(), e.getMessage());
                assertTrue(e.getMessage().contains("needs tfix_nowhere_defined") && e.getMessage().endsWith("no patch was loaded"),
                        e.getMessage());
                TfixException inTx = assertThrows(TfixException.class, () -> s.transaction(List.of(
                        ReplaceSpec.of("tiny", "tiny_v2", marking()), ReplaceSpec.of("neighbour", "tiny_v2", unresolved()))));
                assertEquals(Reason.BAD_PATCH_FILE, inTx.reason(), inTx.getMessage());
            }
            assertNothingLoaded(t, unresolved());
            assertNothingLoaded(t, marking());
            assertLoadsForReal(t);
        }
    }

    /** A thread that never leaves a site's first bytes blocks any jump there: refused before loading. */
    @Test
    void aThreadInTheFirstBytesIsRefusedBeforeLoading() {
        Options shortWait = new Options(Duration.ofSeconds(10), Duration.ofMillis(300));
        try (RunningTarget t = RunningTarget.start(Targets.exe("firstbytes.c"))) {
            try (TfixSession s = TfixSession.attach(t.pid(), engine, shortWait)) {
                TfixException e = assertThrows(TfixException.class, () -> s.replace("hold", null, "hold_v2", marking()));
                assertEquals(Reason.THREAD_BUSY, e.reason(), e.getMessage());
                assertTrue(e.getMessage().contains("executing inside the bytes of hold")
                        && e.getMessage().endsWith("no patch was loaded"), e.getMessage());
            }
            assertNothingLoaded(t, marking());
        }
    }

    static Check check(SitePlan plan, String name) {
        return plan.checks().stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + name + " check in " + plan.describe()));
    }
}
