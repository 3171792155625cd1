package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import tfix.engine.elf.ElfImage;
import tfix.engine.elf.Symbol;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.patch.Check;
import tfix.engine.patch.ReplaceSpec;
import tfix.engine.patch.SitePlan;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/**
 * Issue 9, part 6: a replace must reach the calls. gcc -O3 calls score's clone score.constprop.0 from
 * three places and score itself from one; replacing score alone would leave three of four calls on the
 * old code, so it is refused unless the clone is replaced too or the user says clones: 'ignore'.
 */
class ClonesTest extends EngineTest {
    static final String START = "kill=15 assist=23 capture=31 direct=6";
    static final String CLONE = "score.constprop.0";

    /** clones.c at -O3, checked to hold the clone this test is about (a compiler that stops cloning fails here). */
    static Path exe() {
        Path exe = Targets.exe("clones.c", "-O3");
        List<String> names = ElfImage.read(exe).symbols().stream().map(Symbol::plainName).toList();
        assertTrue(names.contains(CLONE) && names.contains("score"), "gcc made no " + CLONE + " in " + exe + ": " + names);
        return exe;
    }

    static Path patch() {
        return Targets.patch("clones_patch.c");
    }

    static ReplaceSpec scoreSpec() {
        return ReplaceSpec.of("score", "score_v2", patch());
    }

    static ReplaceSpec cloneSpec() {
        return ReplaceSpec.of(CLONE, "score_clone_v2", patch());
    }

    @Test
    void replacingTheFunctionAloneIsRefusedNamingTheCloneAndLoadsNothing() {
        try (RunningTarget t = RunningTarget.startPast(START, exe())) {
            try (TfixSession s = attach(t)) {
                long score = s.symbols().resolve("score", null, List.of()).address();
                byte[] before = Targets.peek(t.pid(), score, 16);
                TfixException e = assertThrows(TfixException.class, () -> s.replace(scoreSpec()));
                assertEquals(Reason.UNSAFE_SITE, e.reason(), e.getMessage());
                String m = e.getMessage();
                assertTrue(m.contains("score has 1 direct call; its clone score.constprop.0 has 3")
                        && m.contains("transaction { replace 'score' ...; replace 'score.constprop.0' ... }")
                        && m.contains("clones: 'ignore'") && m.endsWith("no patch was loaded"), m);
                assertArrayEquals(before, Targets.peek(t.pid(), score, 16));
                assertTrue(s.status().isEmpty());
            }
            assertFalse(Targets.mapsMention(t.pid(), patch().getFileName().toString()), "the patch is mapped");
            t.awaitLine(START);
            ScenarioTest.assertLetGo(t);
        }
    }

    @Test
    void theFunctionAndItsCloneInOneTransactionBothRunTheNewCode() {
        try (RunningTarget t = RunningTarget.startPast(START, exe())) {
            try (TfixSession s = attach(t)) {
                List<Results.Replaced> done = s.transaction(List.of(scoreSpec(), cloneSpec()));
                assertTrue(done.get(0).toString().contains("score.constprop.0 has 3: score.constprop.0 is replaced too"),
                        done.get(0).toString());
                assertTrue(done.get(1).toString().contains("warning: score.constprop.0 is a compiler clone of score"),
                        done.get(1).toString());
            }
            // Every call now reaches new code: the clone's callers and main's direct call.
            t.awaitLine("kill=9002 assist=9004 capture=9006 direct=5001");
            ScenarioTest.assertLetGo(t);
        }
    }

    @Test
    void clonesIgnoreReplacesTheFunctionAloneAndSaysWhatItMisses() {
        try (RunningTarget t = RunningTarget.startPast(START, exe())) {
            try (TfixSession s = attach(t)) {
                Results.Replaced r = s.replace(scoreSpec().ignoringClones());
                assertTrue(r.toString().contains("those calls will not reach score_v2 (clones: 'ignore')"), r.toString());
            }
            t.awaitLine("kill=15 assist=23 capture=31 direct=5001"); // as the check said: the clone's callers keep the old code
            ScenarioTest.assertLetGo(t);
        }
    }

    @Test
    void replacingTheCloneAloneWarnsAboutItsSignature() {
        try (RunningTarget t = RunningTarget.startPast(START, exe())) {
            try (TfixSession s = attach(t)) {
                Results.Replaced r = s.replace(cloneSpec());
                Check c = PlanBeforeLoadTest.check(r.plan(), "clones");
                assertTrue(c.passed() && c.detail().startsWith("warning: score.constprop.0 is a compiler clone of score")
                        && c.detail().contains("constant arguments dropped") && c.detail().contains("has 3 direct calls"),
                        c.detail());
            }
            t.awaitLine("kill=9002 assist=9004 capture=9006 direct=6");
            ScenarioTest.assertLetGo(t);
        }
    }

    @Test
    void aPlanListsTheClonesWithTheirCallsAndLoadsNothing() {
        try (RunningTarget t = RunningTarget.startPast(START, exe())) {
            try (TfixSession s = attach(t)) {
                SitePlan alone = s.plan(List.of(scoreSpec())).get(0);
                Check c = PlanBeforeLoadTest.check(alone, "clones");
                assertFalse(c.passed(), alone.describe());
                assertTrue(s.describe(alone).contains("FAIL clones: score has 1 direct call; its clone score.constprop.0 has 3"),
                        s.describe(alone));
                List<SitePlan> both = s.plan(List.of(scoreSpec(), cloneSpec()));
                assertTrue(both.get(0).ok() && both.get(1).ok(), both.get(0).describe() + both.get(1).describe());
                assertTrue(s.describe(both.get(0)).contains("ok   clones: score has 1 direct call"), s.describe(both.get(0)));
            }
            assertFalse(Targets.mapsMention(t.pid(), patch().getFileName().toString()), "the patch is mapped");
            t.awaitLine(START);
            ScenarioTest.assertLetGo(t);
        }
    }
}
