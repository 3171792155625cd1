package tfix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import tfix.cli.repl.Help;
import tfix.engine.testing.InspectTargets;
import tfix.engine.testing.RunningTarget;

/** Issue 13: symbols, disas, threads and where as users type them, through the command line. */
class InspectVerbsTest {
    @Test
    void symbolsPagesAndRefusesWhatItDoesNotTake() throws Exception {
        try (RunningTarget t = RunningTarget.startPast("sum=", InspectTargets.manySymbols())) {
            String attach = "attach " + t.pid() + "; ";
            CliTest.Result page = CliTest.tfix("exec", attach + "symbols ~/Command$/, page: 2");
            assertEquals(0, page.exit(), page.err());
            assertTrue(page.out().contains("352 symbols match (page 2 of 8: 51-100); next: symbols ~/Command$/, page: 3"),
                    page.out());
            assertEquals(50, page.out().lines().filter(l -> l.endsWith("_Command")).count(), page.out());

            CliTest.Result vars = CliTest.tfix("exec", attach + "symbols ~/Command$/, kind: 'variable'");
            assertEquals(0, vars.exit(), vars.err());
            assertTrue(vars.out().contains("50 symbols match\n"), vars.out());
            assertTrue(vars.out().lines().filter(l -> l.contains("_Command")).allMatch(l -> l.contains("variable")), vars.out());

            CliTest.Result typo = CliTest.tfix("exec", attach + "symbols ~/Command$/, pages: 2");
            assertEquals(1, typo.exit());
            assertTrue(typo.err().contains("symbols does not take pages:; it takes page:, kind:, lib:"), typo.err());
            CliTest.Result kind = CliTest.tfix("exec", attach + "symbols ~/Command$/, kind: 'func'");
            assertEquals(1, kind.exit());
            assertTrue(kind.err().contains("no kind 'func'; kind: takes 'function', 'variable', 'tls', 'ifunc', 'other'"),
                    kind.err());
            CliTest.Result late = CliTest.tfix("exec", attach + "symbols ~/Command$/, page: 9");
            assertEquals(1, late.exit());
            assertTrue(late.err().contains("page 9 asked, but the 352 matches fill 8 pages"), late.err());
            assertFalse(t.traced());
        }
    }

    @Test
    void disasThreadsAndWhereOnAThreadSpinningInAKnownFunction() throws Exception {
        try (RunningTarget t = RunningTarget.startPast("spinning", InspectTargets.framePointers())) {
            CliTest.Result r = CliTest.tfix("exec", "attach " + t.pid() + "; disas 'outer'; disas 'inner'; threads; where 'inner'");
            assertEquals(0, r.exit(), r.err());
            assertTrue(r.out().matches("(?s).*call 0x[0-9a-f]+ <inner>\n.*"), r.out());
            assertTrue(r.out().matches("(?s).*# 0x[0-9a-f]+ <spins\\+0x0>\n.*"), r.out());
            assertTrue(r.out().matches("(?s).*\n=> 0x[0-9a-f]+ .*<= thread " + t.pid() + "\n.*"), r.out());
            assertTrue(r.out().matches("(?s).*#1\\s+0x[0-9a-f]+ outer\\+0x[0-9a-f]+ \\(backtrace-\\w+\\)\n.*"), r.out());
            assertTrue(r.out().contains("1 of 2 threads is in inner or has it on its stack:\nthread " + t.pid()), r.out());
            CliTest.Result bare = CliTest.tfix("exec", "attach " + t.pid() + "; where");
            assertEquals(1, bare.exit());
            assertTrue(bare.err().contains("(where 'func')"), bare.err());
            assertFalse(t.traced());
            assertTrue(t.alive());
        }
    }

    @Test
    void helpDescribesTheNewArguments() {
        assertTrue(Help.answer("help symbols").contains("symbols ~/Command$/, page: 2"), Help.answer("help symbols"));
        assertTrue(Help.answer("help where").contains("where 'compute'"), Help.answer("help where"));
        assertTrue(Help.answer("help threads").contains("marked ? as guesses"), Help.answer("help threads"));
    }
}
