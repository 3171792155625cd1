package tfix.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.MatchResult;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tfix.cli.repl.Help;
import tfix.cli.repl.Lexer;
import tfix.cli.repl.ReplParser.Context;
import tfix.cli.repl.ReplParser;
import tfix.cli.repl.SymbolIndex;
import tfix.dsl.TfixScript;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/** `tfix repl` driven through a real pseudo-terminal (tmux) against real targets, and its parts on their own. */
class ReplTest {
    /** The prompt with the pid and the number of patches in force ('·' may read ':' without UTF-8). */
    static String prompt(int pid, int patches) {
        return "tfix\\[" + pid + " ." + patches + "\\]>";
    }

    @Test
    void aSessionAttachesCompletesPatchesPlansRevertsAndDetachesOnCtrlD(@TempDir Path dir) throws Exception {
        Path exe = Targets.exe("scorer.c");
        Path patch = Targets.patch("scorer_patch.c");
        Files.copy(patch, dir.resolve("patch.so"));
        Files.createDirectories(dir.resolve("fixes"));
        Files.copy(patch, dir.resolve("fixes/patch.so"));
        Files.writeString(dir.resolve("fixes/static.tfix.groovy"),
                "// paths here start from this folder\nreplace 'compute_static' with 'compute_static_v2' from 'patch.so'\n");
        Path state = dir.resolve("state");
        try (RunningTarget t = RunningTarget.start(exe)) {
            t.awaitLine("compute=40 static=16");
            int pid = t.pid();
            try (TmuxPane r = TmuxPane.start(dir, state, "repl", "--pid", Integer.toString(pid))) {
                r.expect("attached to process " + pid);
                r.expect(prompt(pid, 0));

                r.line("help replace");
                r.expect(Pattern.quote("replace 'compute' with 'compute_v2' from 'patch.so'"));
                r.expect(prompt(pid, 0));

                r.line("replase 'compute'");
                r.expect("error: unknown verb 'replase': did you mean 'replace'\\?");
                r.expect(prompt(pid, 0));

                r.line("x = 20; x + 22");
                r.expect("\n42\n");
                r.expect(prompt(pid, 0));

                // Tab after a prefix: compute and compute_static share "compute", which is filled in ("compu": with
                // libc6-dbg installed, libc's static compat_call.constprop.0 is a candidate for "comp" too).
                r.type("replace 'compu");
                r.keys("Tab");
                r.expect("^ replace 'compute\\b");
                r.line("' with 'compute_v2' from 'patch.so'");
                r.expect("replaced compute with compute_v2 from patch.so");
                t.awaitLine("compute=1005");
                r.expect(prompt(pid, 1));

                r.line("status");
                r.expect("process " + pid + ": 1 patch in force");
                r.expect("compute -> compute_v2 \\(patch.so\\)");
                r.expect(prompt(pid, 1));

                // A block: Enter inside the braces asks for more lines.
                r.line("plan {");
                r.expect("\\.\\.\\.>");
                r.line("    replace 'compute_static' with 'compute_static_v2' from 'patch.so'");
                r.expect("\\.\\.\\.>");
                r.line("}");
                r.expect(Pattern.quote("plan for process " + pid + " (nothing is changed):"));
                r.expect("=> would be applied");
                r.expect(prompt(pid, 1));

                // After revert, Tab offers what is in force.
                r.type("revert 'co");
                r.keys("Tab");
                r.expect("^ revert 'compute'");
                r.keys("Enter");
                r.expect("reverted compute \\(was compute_v2 from patch.so\\)");
                t.awaitLine("compute=40");
                r.expect(prompt(pid, 0));

                r.line(":load fixes/static.tfix.groovy");
                r.expect("replaced compute_static with compute_static_v2 from patch.so");
                t.awaitLine("static=2005");
                r.expect(prompt(pid, 1));
                r.line("revert()");
                r.expect("reverted compute_static");
                r.expect(prompt(pid, 0));

                r.keys("C-d");
                r.expect("detached from process " + pid);
                assertEquals(0, r.awaitExit());
            }
            t.awaitLine("static=16");
            assertTrue(t.alive(), "target died");
            assertFalse(t.traced(), "target still traced");
            String history = Files.readString(state.resolve("tfix/history"));
            assertTrue(history.contains("help replace") && history.contains("revert()"), history);
        }
    }

    @Test
    void ctrlCCancelsAWaitAndLeavesTheTargetAsItWas(@TempDir Path dir) throws Exception {
        Path exe = Targets.exe("corners.c");
        Path patch = Targets.patch("corners_patch.c");
        try (RunningTarget t = RunningTarget.start(exe, "spin")) {
            t.awaitLine("tiny=10");
            int pid = t.pid();
            try (TmuxPane r = TmuxPane.start(dir, dir.resolve("state"), "repl", "--pid", Integer.toString(pid),
                    "--thread-timeout", "60000")) {
                r.expect(prompt(pid, 0));
                r.line("symbols ~/^spin$/");
                MatchResult m = r.expect("0x(\\p{XDigit}+) .*!spin\n");
                long spin = Long.parseUnsignedLong(m.group(1), 16);
                byte[] before = Targets.peek(pid, spin, 16);
                r.expect(prompt(pid, 0));

                // Load the patch and make the record first, so that all spin's replace does is wait.
                r.line("replace 'tiny' with 'tiny_v2' from '" + patch + "'");
                r.expect("replaced tiny with tiny_v2");
                t.awaitLine("tiny=105");
                r.expect(prompt(pid, 1));

                // A thread spins inside spin's first bytes: tfix keeps retrying, for up to 60 s.
                r.line("replace 'spin' with 'spin_v2' from '" + patch + "'");
                r.expect("still running: Ctrl-C cancels");
                long t0 = System.nanoTime();
                r.keys("C-c");
                r.expect("error: cancelled while waiting: thread \\d+ is executing inside the bytes of spin");
                assertTrue(System.nanoTime() - t0 < 15_000_000_000L, "cancelling took as long as the time-out");
                r.expect(prompt(pid, 1));
                assertArrayEquals(before, Targets.peek(pid, spin, 16), "spin's bytes changed");
                assertTrue(t.alive());

                // The session goes on.
                r.line("revert()");
                r.expect("reverted tiny");
                t.awaitLine("tiny=10 ");
                r.expect(prompt(pid, 0));

                r.keys("C-d");
                r.expect("detached from process " + pid);
                assertEquals(0, r.awaitExit());
            }
            assertTrue(t.alive(), "target died");
            assertFalse(t.traced(), "target still traced");
        }
    }

    @Test
    void inputIsCompleteWhenBracketsOutsideStringsAndCommentsBalance() {
        assertFalse(Lexer.balance("plan {").complete());
        assertEquals("}", Lexer.balance("plan {").missing());
        assertEquals(")}", Lexer.balance("transaction { foo(").missing());
        assertTrue(Lexer.balance("plan {\n replace 'a' with 'b' from 'p.so'\n}").complete());
        assertTrue(Lexer.balance("replace '{(' with \"[\" from 'p.so' // {").complete());
        assertTrue(Lexer.balance("symbols ~/^f(/").complete());
        assertTrue(Lexer.balance("x = 8 / (2)").complete());
        assertTrue(Lexer.balance("}").complete(), "a stray closer is Groovy's to report");
        assertFalse(Lexer.balance("s = '''one\ntwo").complete());
        assertFalse(Lexer.balance("/* a comment {").complete());
        assertTrue(Lexer.balance("/* { */ status").complete());
    }

    @Test
    void theWordUnderTheCursorKnowsWhatItNames() {
        ReplParser.Line l = ReplParser.at("replace 'comp", 13);
        assertEquals(Context.SYMBOL, l.context());
        assertEquals("comp", l.word());
        assertEquals("'compute'", l.escape("compute", true).toString());
        assertEquals("'compute", l.escape("compute", false).toString());

        ReplParser.Line bare = ReplParser.at("disas comp", 10);
        assertEquals(Context.SYMBOL, bare.context());
        assertEquals("'compute'", bare.escape("compute", true).toString(), "Groovy needs the quotes");

        String closed = "replace 'comp' with 'x' from 'p.so'";
        ReplParser.Line inside = ReplParser.at(closed, 13);
        assertTrue(inside.closedAfter());
        assertEquals("'compute", inside.escape("compute", true).toString(), "the closing quote is already there");

        assertEquals(Context.PATCH_SYMBOL, ReplParser.at("replace 'a' with 'comp", 22).context());
        assertEquals(Context.PATCH_SYMBOL, ReplParser.at("replace('a').with(\"co", 21).context());
        ReplParser.Line from = ReplParser.at("replace 'a' with 'b' from 'build/li", 35);
        assertEquals(Context.FILE, from.context());
        assertEquals("build/li", from.word());
        assertEquals(Context.REVERT, ReplParser.at("revert 'c", 9).context());
        assertEquals(Context.VERB, ReplParser.at("rep", 3).context());
        assertEquals(Context.VERB, ReplParser.at("plan {\n  rep", 12).context());
        assertEquals(Context.VERB, ReplParser.at("status; ver", 11).context());
        assertEquals(Context.HELP, ReplParser.at("help re", 7).context());
        assertEquals(Context.NONE, ReplParser.at("x = 'comp", 9).context());
        assertEquals(Context.NONE, ReplParser.at("status // rep", 13).context());

        ReplParser.Line load = ReplParser.at(":load fixes/st", 14);
        assertEquals(Context.FILE, load.context());
        assertEquals("fixes/st", load.word());
        assertEquals("fixes/static.tfix.groovy", load.escape("fixes/static.tfix.groovy", true).toString(), ":load is not Groovy");
    }

    @Test
    void completingAPrefixAmongAHundredThousandNamesIsFast() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            names.add(String.format("%s_%05d", i % 2 == 0 ? "net_handler" : "db_query", i));
        }
        long t0 = System.nanoTime();
        SymbolIndex index = SymbolIndex.of(names);
        long built = System.nanoTime() - t0;
        assertEquals(100_000, index.size());
        assertTrue(built < 2_000_000_000L, "building took " + built / 1_000_000 + " ms");

        t0 = System.nanoTime();
        List<String> c = List.of();
        for (int i = 0; i < 1000; i++) {
            c = index.complete("db_query_0", 200);
        }
        long per = (System.nanoTime() - t0) / 1000;
        assertTrue(per < 1_000_000L, "one completion took " + per / 1000 + " us");
        assertEquals(200, c.size());
        assertEquals("db_query_00001", c.get(0));
        // The last match is kept, so the common prefix the editor computes stays right.
        assertEquals("db_query_09999", c.get(199));
        assertEquals(List.of("net_handler_12344", "net_handler_12346", "net_handler_12348"), index.complete("net_handler_1234", 200)
                .subList(2, 5));
        assertTrue(index.complete("nothing", 200).isEmpty());
        assertEquals(5000, index.count("db_query_0"));
    }

    @Test
    void everyVerbHasHelpWithAnExample() {
        for (String v : TfixScript.VERBS) {
            assertTrue(Help.entry(v).isPresent(), "no help for " + v);
            assertFalse(Help.entry(v).get().examples().isEmpty(), "no example for " + v);
            assertTrue(Help.answer("help").contains("\n  " + Help.entry(v).get().form()), "help does not list " + v);
        }
        assertTrue(Help.answer("help revert").contains("revert 'compute'"));
        assertTrue(Help.answer("help frobnicate").startsWith("no verb 'frobnicate'"));
    }
}
