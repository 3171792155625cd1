package tfix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/** Issue 13 from the command line: `symbols` lists libc's static functions from libc6-dbg; --debug says which file gave them. */
class DebugSymbolsCliTest {
    @Test
    void symbolsListsLibcsStaticFunctionAndDebugSaysWhichFileGaveIt() throws Exception {
        try (RunningTarget t = RunningTarget.startPast("^sin=0\\.479$", Targets.exe("ifunc_sin.c", "-lm", "-Wl,-z,lazy"))) {
            CliTest.Result plain = CliTest.tfix("exec", "attach " + t.pid() + "; symbols ~/^_int_malloc$/");
            assertEquals(0, plain.exit(), plain.err());
            assertTrue(plain.out().matches("(?s).*0x\\p{XDigit}+ +\\d+ +static function \\(malloc\\.c\\) +libc\\.so\\.6!_int_malloc\n.*"),
                    plain.out());
            assertFalse(plain.err().contains("tfix debug:"), plain.err());

            CliTest.Result debug = CliTest.tfix("exec", "--debug", "attach " + t.pid() + "; symbols ~/^_int_malloc$/");
            assertEquals(0, debug.exit(), debug.err());
            assertTrue(debug.err().matches("(?s).*tfix debug: symbols from debug file /usr/lib/debug/\\.build-id/\\p{XDigit}{2}/\\p{XDigit}+\\.debug"
                    + " \\(build-id \\p{XDigit}+, \\d+ functions\\)\n.*"), debug.err());
            assertTrue(t.alive() && !t.traced(), "target dead or still traced");
        }
    }
}
