package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.patch.ReplaceSpec;
import tfix.engine.testing.CTargets;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/**
 * Issue 16 item 1: a patch uses another module's thread-local variable, declared TFIX_EXTERN(__thread ...). The
 * loader leaves the weak reference's TLS slots 0; tfix writes the module id and offset (general-dynamic) or the
 * offset from the thread pointer (initial-exec), read from the loader's link_map. Three threads, each with its own
 * number in the library's static __thread tl_mine, each see their own through the patch.
 */
class ThreadLocalReferencesTest extends EngineTest {
    private static final List<String> BEFORE = List.of("t1=0", "t2=0", "t3=0");
    private static final List<String> AFTER = List.of("t1=1001", "t2=1002", "t3=1003");

    private static Path user() {
        Path lib = Targets.patch("tls_lib.c");
        return CTargets.compile("tls_user.c", CTargets.resource("tls_user.c"), "-O1", "-pthread", lib.toString(),
                "-Wl,-rpath," + lib.getParent());
    }

    /** Waits for every one of the lines, in whatever order the threads print them. */
    private static void awaitAll(RunningTarget t, List<String> lines) {
        Set<String> left = new HashSet<>(lines);
        while (!left.isEmpty()) {
            left.remove(t.awaitLine(left::contains, java.time.Duration.ofSeconds(20)));
        }
    }

    private static void eachThreadSeesItsOwn(Path patch) throws Exception {
        live(user(), "t\\d=0", (t, s) -> { // a worker has started; each sets its tl_mine before its first tl_work
            String plan = s.describe(s.plan(List.of(ReplaceSpec.of("tl_work", "tl_work_v2", patch))).get(0));
            assertTrue(plan.contains("ok   reference: tl_mine -> tls+0x0 (static thread-local variable, "
                    + Targets.patch("tls_lib.c")), plan);
            s.replace("tl_work", null, "tl_work_v2", patch);
            awaitAll(t, AFTER);
            s.revert("tl_work");
            awaitAll(t, BEFORE);
        }, ScenarioTest::assertLetGo);
    }

    @Test
    void generalDynamicCodeSeesEachThreadsOwnVariable() throws Exception {
        eachThreadSeesItsOwn(Targets.patch("tls_patch.c", ReferencesTest.INCLUDE));
    }

    @Test
    void initialExecCodeSeesEachThreadsOwnVariable() throws Exception {
        eachThreadSeesItsOwn(Targets.patch("tls_patch.c", ReferencesTest.INCLUDE, "-ftls-model=initial-exec"));
    }

    /**
     * Initial-exec code needs the variable in static TLS; a library loaded by dlopen has its block allocated on
     * demand: refused after loading the patch, which stays unused, and the target runs on unchanged.
     */
    @Test
    void initialExecCodeForADlopenedLibraryIsRefused() throws Exception {
        Path patch = Targets.patch("tls_patch.c", ReferencesTest.INCLUDE, "-ftls-model=initial-exec");
        Path exe = CTargets.compile("tls_dlopen.c", CTargets.resource("tls_dlopen.c"), "-O1", "-pthread", "-ldl");
        live(RunningTarget.startPast("work=0", exe, Targets.patch("tls_lib.c").toString()), tfix.engine.Options.defaults(),
                (t, s) -> {
                    TfixException e = assertThrows(TfixException.class, () -> s.replace("tl_work", null, "tl_work_v2", patch));
                    assertEquals(Reason.UNSUPPORTED, e.reason(), e.getMessage());
                    assertTrue(e.getMessage().contains("R_X86_64_TPOFF64") && e.getMessage().contains("its TLS is dynamic")
                            && e.getMessage().contains("without -ftls-model=initial-exec"), e.getMessage());
                    assertTrue(s.status().isEmpty());
                    s.replace("tl_work", null, "tl_work_v2", Targets.patch("tls_patch.c", ReferencesTest.INCLUDE));
                    t.awaitLine("work=1000"); // its one thread never set tl_mine: 1000 + 0, through general-dynamic code
                }, ScenarioTest::assertLetGo);
    }

    /** The executable's own static __thread, reached by the patch of refs_game: the main thread's counter grows. */
    @Test
    void theExecutablesThreadLocalVariableBinds() throws Exception {
        Path patch = ReferencesTest.gamePatch("-DTLS_DECLARED");
        live(ReferencesTest.game(), ReferencesTest.GAME_BEFORE, (t, s) -> {
            s.replace("score", null, "score_v2", patch);
            Pattern after = Pattern.compile("score=(\\d+) counter=5 total=11 bonus=(\\d+)");
            String line = t.awaitLine(l -> after.matcher(l).matches() && !l.endsWith("bonus=0"), java.time.Duration.ofSeconds(20));
            Matcher m = after.matcher(line);
            assertTrue(m.matches(), line);
            // score_v2 returns bonus(3) + 1 = 30 + tls_hits + 1: the program's own tls_hits, which bonus(0) prints
            assertEquals(31 + Integer.parseInt(m.group(2)), Integer.parseInt(m.group(1)), line);
        }, ScenarioTest::assertLetGo);
    }
}
