package tfix.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/** The issue 3 verbs as users write them, through the command line. */
class DslTest {
    static Path exe() {
        return Targets.exe("corners.c");
    }

    static Path patch() {
        return Targets.patch("corners_patch.c");
    }

    static long symbol(String out, String name) {
        for (String l : out.lines().toList()) {
            if (l.trim().endsWith("!" + name)) {
                return Long.parseUnsignedLong(l.trim().split("\\s+")[0].substring(2), 16);
            }
        }
        throw new AssertionError(name + " not listed in: " + out);
    }

    @Test
    void aLibraryOrAnAddressPicksOneOfSeveralFunctions() throws Exception {
        Path lib = Targets.patch("libshared.c");
        Path exe = tfix.engine.testing.CTargets.compile("libuser.c", tfix.engine.testing.CTargets.resource("libuser.c"),
                "-O1", lib.toString(), "-Wl,-rpath," + lib.getParent());
        String patch = Targets.patch("libshared_patch.c").toString();
        try (RunningTarget t = RunningTarget.start(exe)) {
            t.awaitLine("lib_compute=21");
            CliTest.Result named = CliTest.tfix("exec", "attach " + t.pid() + "; replace 'dup_fn', lib: '" + lib.getFileName()
                    + "' with 'lib_compute_v2' from '" + patch + "'; status; revert()");
            assertEquals(0, named.exit(), named.err());
            assertTrue(named.out().contains("replaced dup_fn with lib_compute_v2"), named.out());

            long address = symbol(CliTest.tfix("exec", "attach " + t.pid() + "; symbols ~/^lib_compute$/").out(), "lib_compute");
            CliTest.Result byAddress = CliTest.tfix("exec", "attach " + t.pid() + String.format("; replace '%#x'", address)
                    + " with 'lib_compute_v2' from '" + patch + "'");
            assertEquals(0, byAddress.exit(), byAddress.err());
            t.awaitLine("lib_compute=3000");
            CliTest.Result back = CliTest.tfix("exec", "attach " + t.pid() + String.format("; revert '%#x'", address));
            assertEquals(0, back.exit(), back.err());
            t.awaitLine("lib_compute=21");
        }
    }

    @Test
    void dryRunPrintsThePlanAndChangesNothing(@TempDir Path dir) throws Exception {
        Path script = dir.resolve("fix.tfix.groovy");
        Files.writeString(script, "attach pid\nreplace 'tiny' with 'tiny_v2' from '" + patch() + "'\nverify\ndetach\n");
        try (RunningTarget t = RunningTarget.start(exe())) {
            t.awaitLine("tiny=10");
            CliTest.Result syms = CliTest.tfix("exec", "attach " + t.pid() + "; symbols ~/^tiny$/");
            long tiny = symbol(syms.out(), "tiny");
            byte[] before = Targets.peek(t.pid(), tiny, 16);

            CliTest.Result r = CliTest.tfix("run", "--dry-run", script.toString(), "--pid", Integer.toString(t.pid()));
            assertEquals(0, r.exit(), r.err());
            assertTrue(r.out().contains("plan for process " + t.pid() + " (nothing is changed)"), r.out());
            assertTrue(r.out().contains("old  8d 04 3f c3"), r.out());
            assertTrue(r.out().contains("lea eax, [rdi + rdi]"), r.out());
            assertTrue(r.out().contains("=> would be applied"), r.out());
            assertArrayEquals(before, Targets.peek(t.pid(), tiny, 16));
            assertFalse(Targets.mapsMention(t.pid(), patch().getFileName().toString()));
        }
    }

    /** Issue 15, item 7: --dry-run and plan {} load no patch, transactions included; the symbol check is listed. */
    @Test
    void dryRunsAndPlanBlocksLoadNoPatch(@TempDir Path dir) throws Exception {
        Path marking = Targets.patch("marking_patch.c");
        Path unresolved = Targets.patch("unresolved_patch.c");
        Path script = dir.resolve("fix.tfix.groovy");
        Files.writeString(script, "attach pid\ntransaction {\n  replace 'tiny' with 'tiny_v2' from '" + marking + "'\n"
                + "  replace 'neighbour' with 'tiny_v2' from '" + marking + "'\n}\nplan { replace 'tiny' with 'tiny_v2' from '"
                + marking + "' }\n");
        try (RunningTarget t = RunningTarget.start(exe())) {
            t.awaitLine("tiny=10");
            String pid = Integer.toString(t.pid());
            CliTest.Result dry = CliTest.tfix("run", "--dry-run", script.toString(), "--pid", pid);
            assertEquals(0, dry.exit(), dry.err());
            assertTrue(dry.out().contains("ok   symbols: the ") && dry.out().contains("=> would be applied"), dry.out());

            CliTest.Result plan = CliTest.tfix("exec", "attach " + pid + "; plan { replace 'tiny' with 'tiny_v2' from '"
                    + unresolved + "' }");
            assertEquals(0, plan.exit(), plan.err());
            assertTrue(plan.out().contains("FAIL symbols: " + unresolved.getFileName() + " needs tfix_nowhere_defined")
                    && plan.out().contains("=> would be REFUSED"), plan.out());

            CliTest.Result refused = CliTest.tfix("exec", "attach " + pid + "; replace 'tiny' with 'tiny_v2' from '"
                    + unresolved + "'");
            assertEquals(1, refused.exit());
            assertTrue(refused.err().contains("needs tfix_nowhere_defined") && refused.err().lines().count() == 1, refused.err());

            assertFalse(t.output().contains("patch constructor ran"), t.output().toString());
            assertFalse(Targets.mapsMention(t.pid(), marking.getFileName().toString()));
            assertFalse(Targets.mapsMention(t.pid(), unresolved.getFileName().toString()));
            assertFalse(t.traced());
            CliTest.Result real = CliTest.tfix("exec", "attach " + pid + "; replace 'tiny' with 'tiny_v2' from '" + marking + "'");
            assertEquals(0, real.exit(), real.err());
            t.awaitLine("patch constructor ran");
            t.awaitLine("tiny=105");
        }
    }

    @Test
    void transactionPlanSafetyAndInspectionVerbs() throws Exception {
        try (RunningTarget t = RunningTarget.start(exe(), "spin", "sleep")) {
            t.awaitLine("tiny=10");
            String p = patch().toString();
            CliTest.Result tx = CliTest.tfix("exec", "attach " + t.pid() + "\n"
                    + "transaction {\n  replace 'tiny' with 'tiny_v2' from '" + p + "'\n"
                    + "  replace 'backedge' with 'backedge_v2' from '" + p + "'\n}\n");
            assertEquals(1, tx.exit());
            assertTrue(tx.err().startsWith("tfix: exec:2: transaction not applied, nothing was written"), tx.err());

            CliTest.Result ok = CliTest.tfix("exec", "attach " + t.pid() + "\n"
                    + "transaction {\n  replace 'tiny' with 'tiny_v2' from '" + p + "'\n"
                    + "  replace 'sleepy' with 'sleepy_v2' from '" + p + "'\n}\nstatus\nrevert transaction: 1\nstatus\n");
            assertEquals(0, ok.exit(), ok.err());
            assertTrue(ok.out().contains("2 patches in force"), ok.out());
            assertTrue(ok.out().contains("0 patches in force"), ok.out());

            CliTest.Result plan = CliTest.tfix("exec", "attach " + t.pid() + "; plan { replace 'backedge' with 'backedge_v2' from '"
                    + p + "' }");
            assertEquals(0, plan.exit(), plan.err());
            assertTrue(plan.out().contains("FAIL branches") && plan.out().contains("=> would be REFUSED"), plan.out());

            CliTest.Result stack = CliTest.tfix("exec", "--thread-timeout", "300", "attach " + t.pid()
                    + "; safety 'stack'; replace 'sleepy' with 'sleepy_v2' from '" + p + "'");
            assertEquals(1, stack.exit());
            assertTrue(stack.err().contains("has sleepy on its stack"), stack.err());

            CliTest.Result look = CliTest.tfix("exec", "attach " + t.pid() + "; disas 'backedge'; threads; maps; "
                    + "symbols ~/^lhelper/; expect buildId: 'ffff'");
            assertEquals(1, look.exit());
            assertTrue(look.out().contains("jne"), look.out());
            assertTrue(look.out().contains("spin+0x"), "threads shows the function each thread is in: " + look.out());
            assertTrue(look.out().contains("[stack]"), look.out());
            assertTrue(look.out().contains("!lhelper"), look.out());
            assertTrue(look.err().contains("not ffff"), look.err());

            long tiny = symbol(CliTest.tfix("exec", "attach " + t.pid() + "; symbols ~/^tiny$/").out(), "tiny");
            CliTest.Result peek = CliTest.tfix("exec", "attach " + t.pid() + "; peek " + tiny + ", 8");
            assertEquals(0, peek.exit(), peek.err());
            assertTrue(peek.out().contains("8d 04 3f c3"), peek.out());
            assertFalse(t.traced());
        }
    }
}
