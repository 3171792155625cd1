package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import tfix.engine.patch.ImportSlot;
import tfix.engine.patch.ReplaceSpec;
import tfix.engine.patch.SitePlan;
import tfix.engine.record.AppliedPatch;
import tfix.engine.record.SiteKind;
import tfix.engine.testing.AgentTargets;
import tfix.engine.testing.CTargets;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/**
 * "Real fixes" through the agent: an {@code original:} copy, an import replaced {@code in:} one module, and a
 * function too short for a jump patched through its callers each apply, verify and revert through the agent, and
 * one applied through the agent is reverted through ptrace (the record is the same). Each target carries the
 * agent and stays dumpable, so both routes reach it.
 */
class AgentRealFixesTest extends EngineTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private static TfixSession via(RunningTarget t, Via via) {
        TfixSession s = TfixSession.attach(t.pid(), engine, Options.defaults(), w -> { }, via);
        assertEquals(via == Via.AGENT ? "agent" : "ptrace", s.route());
        return s;
    }

    @Test
    void anOriginalCopyThroughTheAgent() throws Exception {
        ReplaceSpec spec = OriginalCopyTest.spec("compute", "compute_v2", "compute_orig");
        try (RunningTarget t = AgentTargets.start("^tick ", OriginalCopyTest.exe(), List.of())) {
            byte[] entryBefore;
            try (TfixSession s = via(t, Via.AGENT)) {
                long entry = s.symbols().resolve("compute", null, Set.of()).address();
                entryBefore = Targets.peek(t.pid(), entry, 32);
                Results.Replaced r = s.replace(spec);
                OriginalCopyTest.assertCopyInPlace(t, r);
                OriginalCopyTest.onlyGrows(t, "new");
                assertEquals(r.plan().copy().address(), s.status().get(0).copy());
                assertTrue(s.verify().stream().allMatch(Results.Verified::ok), s.verify().toString());
                s.revert("compute");
                assertArrayEquals(entryBefore, Targets.peek(t.pid(), entry, 32), "the function is not restored");
                OriginalCopyTest.onlyGrows(t, "old");
                s.replace(OriginalCopyTest.spec("compute", "compute_v2", "compute_orig"));
                OriginalCopyTest.onlyGrows(t, "new");
            }
            try (TfixSession s = via(t, Via.PTRACE)) {
                assertTrue(s.verify().stream().allMatch(Results.Verified::ok), "the agent's copy verified through ptrace");
                assertEquals(1, s.revert("compute").patches().size());
                long entry = s.symbols().resolve("compute", null, Set.of()).address();
                assertArrayEquals(entryBefore, Targets.peek(t.pid(), entry, 32));
            }
            OriginalCopyTest.onlyGrows(t, "old");
            ScenarioTest.assertLetGo(t);
        }
    }

    @Test
    void anImportReplacedInOneModuleThroughTheAgent() throws Exception {
        Path greet = Targets.patch("libgreet.c", "-Wl,-z,now");
        Path quiet = Targets.patch("libquiet.c");
        Path exe = CTargets.compile("importer.c", CTargets.resource("importer.c"), "-O1", greet.toString(),
                quiet.toString(), "-Wl,-rpath," + greet.getParent(), "-ldl");
        ReplaceSpec spec = ReplaceSpec.of("strtol", "strtol_v2", Targets.patch("import_patch.c")).inModule("libgreet");
        try (RunningTarget t = AgentTargets.start("exe=41 lib=41", exe, List.of())) {
            long slot;
            try (TfixSession s = via(t, Via.AGENT)) {
                Results.Replaced r = s.replace(spec);
                slot = r.plan().importSlot().slot();
                t.awaitLine("^exe=41 lib=1041$");
                AppliedPatch p = s.status().get(0);
                assertEquals(SiteKind.IMPORT, p.kind());
                assertTrue(s.verify().get(0).ok());
                s.revert("strtol");
                t.awaitLine("^exe=41 lib=41$");
                assertEquals(r.plan().importSlot().oldValue(), ImportSlot.value(Targets.peek(t.pid(), slot, 8)));
                s.replace(spec);
                t.awaitLine("^exe=41 lib=1041$");
            }
            try (TfixSession s = via(t, Via.PTRACE)) {
                assertTrue(s.verify().get(0).ok());
                s.revert("strtol");
                assertTrue(s.status().isEmpty());
            }
            t.awaitLine("^exe=41 lib=41$");
            ScenarioTest.assertLetGo(t);
        }
    }

    private static final Pattern SUM = Pattern.compile("^t(\\d) x=(\\d+) sum=(-?\\d+)$");

    /** Each of the 8 threads printed the sum its five paths give with {@code add} (see CallerRedirectTest). */
    private static void awaitEveryThread(RunningTarget t, int add) {
        Set<String> seen = new HashSet<>();
        t.awaitLine(line -> {
            Matcher m = SUM.matcher(line);
            if (m.find() && Integer.parseInt(m.group(3)) == 5 * (Integer.parseInt(m.group(2)) + add)) {
                seen.add(m.group(1));
            }
            return seen.size() == 8;
        }, WAIT);
    }

    @Test
    void callersRedirectedThroughTheAgent() throws Exception {
        Path exe = CTargets.compile("callers.c", CTargets.resource("callers.c"), "-O1");
        ReplaceSpec spec = new ReplaceSpec("lea_plus_one", null, "lea_plus_one_v2", Targets.patch("callers_patch.c"), null);
        try (RunningTarget t = RunningTarget.start(Path.of("/usr/bin/env"), "LD_PRELOAD=" + AgentTargets.library(),
                exe.toString())) {
            awaitEveryThread(t, 1);
            List<byte[]> before;
            SitePlan plan;
            try (TfixSession s = via(t, Via.AGENT)) {
                // Through the agent a 2-byte entry jump would be written without a stop instead (NoStopTest): ask for
                // the stop, where a function this short is patched through its callers.
                s.writeInAStop(true);
                plan = s.plan(List.of(spec)).get(0);
                assertNotNull(plan.callers(), plan.describe());
                before = plan.callers().sites().stream().map(c -> Targets.peek(t.pid(), c.address(), c.original().length))
                        .toList();
                assertTrue(s.replace(spec).toString().contains("through its 5 callers"));
                awaitEveryThread(t, 100);
                assertTrue(s.status().stream().allMatch(p -> p.kind() == SiteKind.CALLER));
                assertTrue(s.verify().stream().allMatch(Results.Verified::ok));
                assertEquals(5, s.revert("lea_plus_one").patches().size());
                awaitEveryThread(t, 1);
                s.replace(spec);
                awaitEveryThread(t, 100);
            }
            try (TfixSession s = via(t, Via.PTRACE)) {
                assertTrue(s.verify().stream().allMatch(Results.Verified::ok));
                assertEquals(5, s.revert("lea_plus_one").patches().size());
                for (int i = 0; i < before.size(); i++) {
                    var site = plan.callers().sites().get(i);
                    assertArrayEquals(before.get(i), Targets.peek(t.pid(), site.address(), before.get(i).length));
                }
            }
            awaitEveryThread(t, 1);
            ScenarioTest.assertLetGo(t);
        }
    }
}
