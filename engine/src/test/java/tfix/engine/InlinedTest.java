package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import tfix.engine.elf.ElfImage;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.patch.ReplaceSpec;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/**
 * Issue 9, part 6: a name missing from a module that kept its full symbol table is most likely a static
 * function inlined into its callers, not a stripped name; a stripped module keeps saying it is stripped.
 */
class InlinedTest extends EngineTest {
    static final String START = "kill=14 assist=27";

    @Test
    void aStaticFunctionInlinedEverywhereIsNamedInItsCallersFromTheDebugInformation() {
        Path exe = Targets.exe("inlined.c", "-O2"); // the tests build with -g
        assertNoBonus(exe);
        assertMessage(exe, "function 'bonus' not found: no symbol in " + exe + " (which has a full symbol table",
                "its debug information shows it inlined into assist_bonus, kill_bonus; replace those callers instead");
    }

    @Test
    void withoutDebugInformationItIsProbablyInlined() {
        Path exe = Targets.exe("inlined.c", "-O2", "-g0");
        assertNoBonus(exe);
        assertMessage(exe, "function 'bonus' not found: no symbol in " + exe + " (which has a full symbol table",
                "a static function without a symbol was probably inlined into its callers; replace the callers instead");
    }

    static void assertNoBonus(Path exe) {
        assertTrue(ElfImage.read(exe).symbols().stream().noneMatch(sym -> sym.plainName().startsWith("bonus")),
                "gcc kept a symbol for bonus in " + exe);
    }

    static void assertMessage(Path exe, String... parts) {
        try (RunningTarget t = RunningTarget.startPast(START, exe)) {
            try (TfixSession s = attach(t)) {
                TfixException e = assertThrows(TfixException.class, () -> s.replace(ReplaceSpec.of("bonus", "score_v2", ClonesTest.patch())));
                assertEquals(Reason.NOT_FOUND, e.reason(), e.getMessage());
                for (String part : parts) {
                    assertTrue(e.getMessage().contains(part), e.getMessage());
                }
            }
            assertFalse(Targets.mapsMention(t.pid(), ClonesTest.patch().getFileName().toString()), "the patch is mapped");
            t.awaitLine(START);
            ScenarioTest.assertLetGo(t);
        }
    }

    @Test
    void aStrippedBinaryKeepsTheStrippedMessage() {
        Path exe = Targets.exe("inlined.c", "-O2", "-s");
        try (RunningTarget t = RunningTarget.startPast(START, exe)) {
            try (TfixSession s = attach(t)) {
                TfixException e = assertThrows(TfixException.class, () -> s.replace(ReplaceSpec.of("bonus", "score_v2", ClonesTest.patch())));
                assertEquals(Reason.NOT_FOUND, e.reason(), e.getMessage());
                assertTrue(e.getMessage().contains("a stripped binary has no names for its static functions"), e.getMessage());
            }
            ScenarioTest.assertLetGo(t);
        }
    }
}
