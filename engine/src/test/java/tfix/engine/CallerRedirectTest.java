package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.patch.CallerSite;
import tfix.engine.patch.ReplaceSpec;
import tfix.engine.patch.SitePlan;
import tfix.engine.record.AppliedPatch;
import tfix.engine.record.SiteKind;
import tfix.engine.testing.CTargets;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/** A 4-byte function with another symbol right behind it, patched through its direct callers. */
class CallerRedirectTest extends EngineTest {
    private static final Pattern SUM = Pattern.compile("^t(\\d) x=(\\d+) sum=(-?\\d+)$");
    /** lea eax,[rdi+1]; ret */
    private static final byte[] LEA_RET = {(byte) 0x8d, 0x47, 0x01, (byte) 0xc3};
    private static final int PATHS = 5;

    private static Path exe(String... defines) {
        String[] flags = new String[defines.length + 1];
        flags[0] = "-O1";
        System.arraycopy(defines, 0, flags, 1, defines.length);
        return CTargets.compile("callers" + String.join("", defines) + ".c", CTargets.resource("callers.c"), flags);
    }

    /** Waits until each of the 8 threads has printed the sum its five paths give with {@code add}. */
    private static void awaitEveryThread(RunningTarget t, int add) {
        Set<String> seen = new HashSet<>();
        t.awaitLine(line -> {
            Matcher m = SUM.matcher(line);
            if (m.find() && Integer.parseInt(m.group(3)) == PATHS * (Integer.parseInt(m.group(2)) + add)) {
                seen.add(m.group(1));
            }
            return seen.size() == 8;
        }, Duration.ofSeconds(30));
    }

    @Test
    void everyCallerRunsTheNewFunctionAndARevertRestoresEachByteForByte() throws Exception {
        Path patch = Targets.patch("callers_patch.c");
        ReplaceSpec spec = new ReplaceSpec("lea_plus_one", null, "lea_plus_one_v2", patch, null);
        try (RunningTarget t = RunningTarget.start(exe())) {
            awaitEveryThread(t, 1);
            List<CallerSite> sites;
            List<byte[]> before;
            try (TfixSession s = attach(t)) {
                long entry = s.symbols().resolve("lea_plus_one", null, Set.of()).address();
                SitePlan plan = s.plan(List.of(spec)).get(0);
                assertTrue(plan.ok(), plan.describe());
                assertNotNull(plan.callers(), "planned through its callers");
                sites = plan.callers().sites();
                assertEquals(PATHS, sites.size(), plan.describe());
                String printed = s.describe(plan);
                assertTrue(printed.contains("call") && printed.contains("jns") && printed.contains("jmp")
                        && printed.contains("trampoline"), printed);
                before = sites.stream().map(c -> Targets.peek(t.pid(), c.address(), c.original().length)).toList();

                Results.Replaced r = s.replace(spec);
                assertTrue(r.toString().contains("through its 5 callers"), r.toString());
                awaitEveryThread(t, 100);
                assertArrayEquals(LEA_RET, Targets.peek(t.pid(), entry, 4), "the short function itself is untouched");

                List<AppliedPatch> status = s.status();
                assertEquals(PATHS, status.size());
                assertTrue(status.stream().allMatch(p -> p.kind() == SiteKind.CALLER && p.entry() == entry));
                assertEquals(1, status.stream().map(AppliedPatch::transaction).distinct().count());
                assertTrue(status.get(0).transaction() > 0, "the caller sites share a transaction");
                List<String> summary = Results.callerSummaries(status);
                assertEquals(1, summary.size());
                assertTrue(summary.get(0).startsWith("lea_plus_one: 5 callers redirected (0x"), summary.get(0));
                List<Results.Verified> verified = s.verify();
                assertTrue(verified.stream().allMatch(Results.Verified::ok), verified.toString());
                assertTrue(verified.get(0).toString().contains("caller redirected"), verified.get(0).toString());

                TfixException again = assertThrows(TfixException.class, () -> s.replace(spec));
                assertTrue(again.getMessage().contains("revert it first"), again.getMessage());
            }
            assertFalse(t.traced());
            // A later run finds the callers in the target's record and reverts them all by the function's name.
            try (TfixSession s = attach(t)) {
                assertEquals(PATHS, s.status().size());
                assertTrue(s.verify().stream().allMatch(Results.Verified::ok));
                Results.Reverted back = s.revert("lea_plus_one");
                assertEquals(PATHS, back.patches().size());
                for (int i = 0; i < sites.size(); i++) {
                    assertArrayEquals(before.get(i), Targets.peek(t.pid(), sites.get(i).address(), before.get(i).length),
                            String.format("caller at %#x", sites.get(i).address()));
                }
                assertTrue(s.status().isEmpty());
                awaitEveryThread(t, 1);
            }
            assertTrue(t.alive());
            assertFalse(t.traced());
        }
    }

    @Test
    void aNeighbourPatchedWithAJumpLeavesTheCallersFree() {
        Path patch = Targets.patch("callers_patch.c");
        try (RunningTarget t = RunningTarget.start(exe())) {
            awaitEveryThread(t, 1);
            try (TfixSession s = attach(t)) {
                long next = s.symbols().resolve("after_it", null, Set.of()).address();
                byte[] neighbour = Targets.peek(t.pid(), next, 16);
                // after_it borrows the padding behind it; its jump lies in the bytes a jump at lea_plus_one would need.
                assertTrue(s.replace("after_it", null, "after_it_v2", patch).plan().callers() == null);
                assertFalse(Arrays.equals(neighbour, Targets.peek(t.pid(), next, 16)));
                Results.Replaced r = s.replace("lea_plus_one", null, "lea_plus_one_v2", patch);
                assertNotNull(r.plan().callers(), r.toString());
                awaitEveryThread(t, 100);
                assertEquals(1 + PATHS, s.status().size());
                assertTrue(s.verify().stream().allMatch(Results.Verified::ok));
                s.revertAll();
                awaitEveryThread(t, 1);
                assertArrayEquals(neighbour, Targets.peek(t.pid(), next, 16));
                assertTrue(s.status().isEmpty());
            }
            assertTrue(t.alive());
            assertFalse(t.traced());
        }
    }

    @Test
    void aShortFunctionSomeoneElseChangedIsRefused() throws Exception {
        Path patch = Targets.patch("callers_patch.c");
        try (RunningTarget t = RunningTarget.start(exe())) {
            awaitEveryThread(t, 1);
            try (TfixSession s = attach(t)) {
                long entry = s.symbols().resolve("lea_plus_one", null, Set.of()).address();
                // Another tool makes it lea eax,[rdi+2]: the threads go on, adding 2.
                try (FileChannel mem = FileChannel.open(Path.of("/proc", Integer.toString(t.pid()), "mem"),
                        StandardOpenOption.WRITE)) {
                    mem.write(ByteBuffer.wrap(new byte[] {2}), entry + 2);
                }
                awaitEveryThread(t, 2);
                TfixException e = assertThrows(TfixException.class,
                        () -> s.replace("lea_plus_one", null, "lea_plus_one_v2", patch));
                assertTrue(e.getMessage().contains(String.format("the bytes of lea_plus_one at %#x differ", entry))
                        && e.getMessage().contains("no patch was loaded"), e.getMessage());
                assertTrue(s.status().isEmpty());
            }
            assertTrue(t.alive());
            assertFalse(t.traced());
        }
    }

    @Test
    void originalIsRefusedForAFunctionWhoseOwnCodeStaysAsItIs() {
        Path patch = Targets.patch("callers_patch.c");
        try (RunningTarget t = RunningTarget.start(exe())) {
            awaitEveryThread(t, 1);
            try (TfixSession s = attach(t)) {
                TfixException e = assertThrows(TfixException.class, () -> s.replace(new ReplaceSpec("lea_plus_one", null,
                        "lea_plus_one_v2", patch, null).withOriginal("lea_plus_one_orig")));
                assertTrue(e.getMessage().contains("patched through its callers") && e.getMessage().contains("TFIX_EXTERN_FN")
                        && e.getMessage().contains("no patch was loaded"), e.getMessage());
                assertTrue(s.status().isEmpty());
            }
            assertFalse(Targets.mapsMention(t.pid(), patch.getFileName().toString()));
            assertTrue(t.alive());
            assertFalse(t.traced());
        }
    }

    @Test
    void aCallerReplacedInTheSameTransactionIsRefusedUnwritten() {
        Path patch = Targets.patch("callers_patch.c");
        try (RunningTarget t = RunningTarget.start(exe())) {
            awaitEveryThread(t, 1);
            try (TfixSession s = attach(t)) {
                long pathA = s.symbols().resolve("path_a", null, Set.of()).address();
                byte[] code = Targets.peek(t.pid(), pathA - 64, 256);
                TfixException e = assertThrows(TfixException.class, () -> s.transaction(List.of(
                        new ReplaceSpec("lea_plus_one", null, "lea_plus_one_v2", patch, null),
                        new ReplaceSpec("path_a", null, "path_a_v2", patch, null))));
                assertEquals(Reason.UNSAFE_SITE, e.reason(), e.getMessage());
                assertTrue(e.getMessage().contains("overlap") && e.getMessage().contains("nothing was written"), e.getMessage());
                assertArrayEquals(code, Targets.peek(t.pid(), pathA - 64, 256));
                assertTrue(s.status().isEmpty());
                s.replace("lea_plus_one", null, "lea_plus_one_v2", patch); // alone, it goes in
                awaitEveryThread(t, 100);
                s.revertAll();
                awaitEveryThread(t, 1);
            }
            assertTrue(t.alive());
            assertFalse(t.traced());
        }
    }

    /** Refused before anything is loaded: no patch mapped, not a byte of code changed, the target running. */
    private static void refusedUntouched(Path bin, String... expected) {
        Path patch = Targets.patch("callers_patch.c");
        try (RunningTarget t = RunningTarget.start(bin)) {
            awaitEveryThread(t, 1);
            try (TfixSession s = attach(t)) {
                long entry = s.symbols().resolve("lea_plus_one", null, Set.of()).address();
                byte[] code = Targets.peek(t.pid(), entry - 256, 1024);
                TfixException e = assertThrows(TfixException.class,
                        () -> s.replace("lea_plus_one", null, "lea_plus_one_v2", patch));
                assertEquals(Reason.UNSAFE_SITE, e.reason(), e.getMessage());
                for (String part : expected) {
                    assertTrue(e.getMessage().contains(part), part + " in: " + e.getMessage());
                }
                assertTrue(e.getMessage().contains("no patch was loaded"), e.getMessage());
                assertFalse(Targets.mapsMention(t.pid(), patch.getFileName().toString()), "the patch was loaded");
                assertArrayEquals(code, Targets.peek(t.pid(), entry - 256, 1024));
                assertTrue(s.status().isEmpty());
            }
            assertTrue(t.alive());
            assertFalse(t.traced());
        }
    }

    @Test
    void anAddressStoredInATableOfFunctionsIsRefusedNamingThePlace() {
        refusedUntouched(exe("-DWITH_TABLE"), "table+0x0", "R_X86_64_RELATIVE", "address of lea_plus_one is taken");
    }

    @Test
    void anAddressTakenInCodeIsRefusedNamingTheInstruction() {
        refusedUntouched(exe("-DWITH_LEA"), "lea rax, [rip", "(address_of+0x0)", "address of lea_plus_one is taken");
    }

    @Test
    void anExportedFunctionOtherModulesImportIsRefusedNamingThem() {
        Path lib = Targets.patch("callers_lib.c");
        Path exe = CTargets.compile("callers_lib_user.c", CTargets.resource("callers_lib_user.c"), "-O1", lib.toString(),
                "-Wl,-rpath," + lib.getParent());
        Path patch = Targets.patch("callers_patch.c");
        try (RunningTarget t = RunningTarget.start(exe)) {
            t.awaitLine("lib_plus_one=42");
            try (TfixSession s = attach(t)) {
                TfixException e = assertThrows(TfixException.class,
                        () -> s.replace("lib_plus_one", null, "lea_plus_one_v2", patch));
                assertEquals(Reason.UNSAFE_SITE, e.reason(), e.getMessage());
                assertTrue(e.getMessage().contains(exe.getFileName() + " binds to it by name"), e.getMessage());
                assertTrue(e.getMessage().contains("no patch was loaded"), e.getMessage());
                assertFalse(Targets.mapsMention(t.pid(), patch.getFileName().toString()), "the patch was loaded");
            }
            assertTrue(t.alive());
            assertFalse(t.traced());
        }
    }

    @Test
    void aShortJumpToTheEntryIsRefusedNamingIt() {
        refusedUntouched(exe("-DWITH_REL8"), "short_jumper+0x0", "jmp", "short branch");
    }
}
