package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import tfix.engine.elf.FunctionRef;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.guard.FileDigest;
import tfix.engine.patch.ReplaceSpec;
import tfix.engine.patch.SitePlan;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/** The corners of issue 3: each is patched safely or refused with the reason, and the target runs on. */
class SafetyTest extends EngineTest {
    static final String START = "tiny=10 neighbour=6 tight=10 backedge=10 jumper=9";

    static Path exe() {
        return Targets.exe("corners.c");
    }

    static Path patch() {
        return Targets.patch("corners_patch.c");
    }

    static void assertRunsUntouched(RunningTarget t) {
        assertTrue(t.alive(), "target died");
        assertFalse(t.traced(), "target still traced");
    }

    /** Corners started and past its first line, one session attached for {@code body}; then it must run on untouched. */
    static void onCorners(Live body) throws Exception {
        live(exe(), START, body, SafetyTest::assertRunsUntouched);
    }

    /** The same with the target's modes ("spin", "sleep"...) and 300 ms for threads to leave a site. */
    static void onCornersQuickly(Live body, String... modes) throws Exception {
        Options quick = new Options(Duration.ofSeconds(10), Duration.ofMillis(300));
        live(RunningTarget.startPast(START, exe(), modes), quick, body, SafetyTest::assertRunsUntouched);
    }

    static TfixException refused(TfixSession s, String old, String fresh) {
        return assertThrows(TfixException.class, () -> s.replace(old, null, fresh, patch()));
    }

    @Test
    void shortFunctionBorrowsProvablePaddingAndLeavesItsNeighbourIntact() throws Exception {
        onCorners((t, s) -> {
            Results.Replaced r = s.replace("tiny", null, "tiny_v2", patch());
            assertTrue(r.plan().checks().stream().anyMatch(c -> c.detail().contains("padding")), r.plan().toString());
            t.awaitLine("tiny=105 neighbour=6 tight=10");

            TfixException e = refused(s, "tight", "tight_v2");
            assertEquals(Reason.UNSAFE_SITE, e.reason(), e.getMessage());
            assertTrue(e.getMessage().contains("tight is 4 bytes") && e.getMessage().contains("next symbol"), e.getMessage());
        });
    }

    @Test
    void branchesIntoTheReplacedBytesAreRefused() throws Exception {
        onCorners((t, s) -> {
            TfixException loop = refused(s, "backedge", "backedge_v2");
            assertEquals(Reason.UNSAFE_SITE, loop.reason(), loop.getMessage());
            assertTrue(loop.getMessage().matches("(?s).*jne at 0x\\p{XDigit}+ jumps to 0x\\p{XDigit}+.*"), loop.getMessage());

            TfixException foreign = refused(s, "lhelper", "lhelper_v2");
            assertEquals(Reason.UNSAFE_SITE, foreign.reason(), foreign.getMessage());
            assertTrue(foreign.getMessage().contains("jmp at"), foreign.getMessage());
            FunctionRef jumper = s.symbols().resolve("jumper", null, List.of());
            assertTrue(foreign.getMessage().contains(String.format("%#x", jumper.address() + 2)), foreign.getMessage());
            assertTrue(s.status().isEmpty());
        });
    }

    @Test
    void aBranchPastFiveBytesIsPatchedThroughANearTrampoline() {
        try (RunningTarget t = RunningTarget.start(exe())) {
            t.awaitLine("nearloop=10");
            try (TfixSession s = attach(t)) {
                List<SitePlan> plan = s.plan(List.of(ReplaceSpec.of("nearloop", "nearloop_v2", patch())));
                assertTrue(plan.get(0).ok() && plan.get(0).trampoline() != 0, s.describe(plan.get(0)));

                Results.Replaced r = s.replace("nearloop", null, "nearloop_v2", patch());
                assertEquals(5, r.plan().length(), "mov, xor, nop: 2+2+1 bytes, short of the loop head at +6");
                assertTrue(r.plan().trampoline() != 0 && r.toString().contains("trampoline"), r.toString());
                assertTrue(Math.abs(r.plan().trampoline() - r.plan().site()) < (1L << 31));
                t.awaitLine("nearloop=504");
                assertTrue(s.verify().stream().allMatch(Results.Verified::ok));
                assertTrue(s.replace("nearloop", null, "nearloop_v2", patch()).alreadyApplied());
                s.revert("nearloop");
                t.awaitLine("nearloop=10");
                // A second patch through the same island takes the next slot; a slot is never reused.
                long first = r.plan().trampoline();
                Results.Replaced again = s.replace("nearloop", null, "nearloop_v2", patch());
                assertEquals(first + 16, again.plan().trampoline());
                t.awaitLine("nearloop=504");
            }
            // A later run finds the island and the patch in the process's record.
            try (TfixSession s = attach(t)) {
                assertEquals(1, s.status().size());
                assertTrue(s.verify().get(0).ok());
                s.revertAll();
            }
            t.awaitLine("nearloop=10");
            assertRunsUntouched(t);
        }
    }

    @Test
    void aThreadSpinningInsideTheSiteMakesItGiveUpAfterTheTimeout() throws Exception {
        onCornersQuickly((t, s) -> {
            FunctionRef spin = s.symbols().resolve("spin", null, List.of());
            byte[] before = Targets.peek(t.pid(), spin.address(), 16);
            // The spinner thread starts with the target: on a busy host it may not be in spin yet.
            long until = System.nanoTime() + 10_000_000_000L;
            while (s.inspect(i -> i.threads()).stream().noneMatch(l -> l.contains(" spin+")) && System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            long t0 = System.nanoTime();
            TfixException e = assertThrows(TfixException.class, () -> s.replace("spin", null, "spin_v2", patch()));
            assertTrue(System.nanoTime() - t0 >= 300_000_000L, "gave up before the time-out");
            assertEquals(Reason.THREAD_BUSY, e.reason(), e.getMessage());
            assertTrue(e.getMessage().matches("thread \\d+ is executing inside the bytes of spin being replaced.*for 300 ms.*"),
                    e.getMessage());
            assertArrayEquals(before, Targets.peek(t.pid(), spin.address(), 16));
        }, "spin");
    }

    @Test
    void aThreadThatWouldReturnIntoTheReplacedBytesMakesItWait() throws Exception {
        onCornersQuickly((t, s) -> {
            FunctionRef f = s.symbols().resolve("via_pointer", null, List.of());
            byte[] before = Targets.peek(t.pid(), f.address(), 16);
            TfixException e = assertThrows(TfixException.class, () -> s.replace("via_pointer", null, "via_pointer_v2", patch()));
            assertEquals(Reason.THREAD_BUSY, e.reason(), e.getMessage());
            assertTrue(e.getMessage().matches("thread \\d+ will return into the bytes of via_pointer being replaced.*"),
                    e.getMessage());
            assertArrayEquals(before, Targets.peek(t.pid(), f.address(), 16));
        }, "spin", "sleep", "pointer");
    }

    @Test
    void stackCheckWaitsForAThreadSleepingInsideTheOldFunction() throws Exception {
        onCornersQuickly((t, s) -> {
            s.stackCheck(true);
            TfixException e = assertThrows(TfixException.class, () -> s.replace("sleepy", null, "sleepy_v2", patch()));
            assertEquals(Reason.THREAD_BUSY, e.reason(), e.getMessage());
            assertTrue(e.getMessage().matches("thread \\d+ has sleepy on its stack.*"), e.getMessage());
            assertTrue(s.status().isEmpty());
            // Without the stack check the jump goes in: the sleeping thread finishes the old code.
            s.stackCheck(false);
            s.replace("sleepy", null, "sleepy_v2", patch());
            assertEquals(1, s.status().size());
        }, "spin", "sleep");
    }

    @Test
    void aTransactionWithOneBadSiteWritesNothing() throws Exception {
        onCorners((t, s) -> {
            FunctionRef tiny = s.symbols().resolve("tiny", null, List.of());
            byte[] before = Targets.peek(t.pid(), tiny.address(), 16);
            TfixException e = assertThrows(TfixException.class, () -> s.transaction(List.of(
                    ReplaceSpec.of("tiny", "tiny_v2", patch()), ReplaceSpec.of("backedge", "backedge_v2", patch()))));
            assertEquals(Reason.UNSAFE_SITE, e.reason(), e.getMessage());
            assertTrue(e.getMessage().startsWith("transaction not applied, nothing was written: cannot replace backedge"),
                    e.getMessage());
            assertArrayEquals(before, Targets.peek(t.pid(), tiny.address(), 16));
            assertTrue(s.status().isEmpty());

            List<Results.Replaced> both = s.transaction(List.of(ReplaceSpec.of("tiny", "tiny_v2", patch()),
                    ReplaceSpec.of("sleepy", "sleepy_v2", patch())));
            assertEquals(2, both.size());
            assertEquals(both.get(0).freezeMillis(), both.get(1).freezeMillis(), "one stop for the whole transaction");
            int tx = s.status().get(0).transaction();
            assertTrue(tx > 0);
            assertEquals(2, s.revertTransaction(tx).patches().size());
            assertTrue(s.status().isEmpty());
        });
    }

    @Test
    void pinsRefuseTheWrongPatchOrTheWrongBuild() throws Exception {
        onCorners((t, s) -> {
            TfixException sha = assertThrows(TfixException.class, () -> s.replace(
                    new ReplaceSpec("tiny", null, "tiny_v2", patch(), "00".repeat(32))));
            assertEquals(Reason.BAD_PATCH_FILE, sha.reason(), sha.getMessage());

            TfixException build = assertThrows(TfixException.class, () -> s.expectBuildId(null, "deadbeef"));
            assertEquals(Reason.WRONG_BUILD, build.reason(), build.getMessage());
            assertTrue(build.getMessage().contains("has build-id") && build.getMessage().contains("not deadbeef"),
                    build.getMessage());

            TfixException carried = assertThrows(TfixException.class, () ->
                    s.replace("tiny", null, "tiny_v2", Targets.patch("pinned_patch.c")));
            assertEquals(Reason.WRONG_BUILD, carried.reason(), carried.getMessage());

            String real = FileDigest.sha256(patch());
            s.replace(new ReplaceSpec("tiny", null, "tiny_v2", patch(), real));
            t.awaitLine("tiny=105");
        });
    }

    @Test
    void aPlanChangesNothing() throws Exception {
        onCorners((t, s) -> {
            FunctionRef tiny = s.symbols().resolve("tiny", null, List.of());
            byte[] before = Targets.peek(t.pid(), tiny.address(), 16);
            List<SitePlan> plans = s.plan(List.of(ReplaceSpec.of("tiny", "tiny_v2", patch()),
                    ReplaceSpec.of("backedge", "backedge_v2", patch())));
            assertTrue(plans.get(0).ok());
            assertFalse(plans.get(1).ok());
            String text = s.describe(plans.get(0));
            assertTrue(text.contains("old  8d 04 3f c3") && text.contains("lea eax, [rdi + rdi]"), text);
            assertTrue(text.contains("new  ff 25 00 00 00 00"), text);
            assertArrayEquals(before, Targets.peek(t.pid(), tiny.address(), 16));
            assertFalse(Targets.mapsMention(t.pid(), patch().getFileName().toString()), "a plan must not load the patch");
        });
    }
}
