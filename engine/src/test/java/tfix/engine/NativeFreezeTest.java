package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;
import tfix.engine.apply.Applier;
import tfix.engine.apply.Write;
import tfix.engine.elf.FunctionRef;
import tfix.engine.elf.ProcessSymbols;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.process.ProcMemory;
import tfix.engine.process.TargetProcess;
import tfix.engine.ptrace.FreezeLibrary;
import tfix.engine.ptrace.Ptrace;
import tfix.engine.ptrace.PtraceThread;
import tfix.engine.ptrace.Tracee;
import tfix.engine.sys.Native;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/**
 * The stop window made in one call of libtfix-freeze.so, and the Java path that stands in where the library is
 * not loaded: both write under eight threads hammering the function, and the native one refuses a thread in the
 * way with the Java check's words.
 */
class NativeFreezeTest extends EngineTest {

    @Test
    void theLibraryIsBuiltAndLoads() {
        assertTrue(FreezeLibrary.available(), "libtfix-freeze.so is not in the engine's classes or did not load");
    }

    @Test
    void hammeredReplaceAndRevertGoThroughTheNativeWindow() {
        assertEquals(25, hammer(25));
    }

    @Test
    void withoutTheLibraryTheJavaPathWritesTheSame() {
        System.setProperty("tfix.freeze", "java");
        try {
            assertEquals(0, hammer(10));
        } finally {
            System.clearProperty("tfix.freeze");
        }
    }

    /** Replaces and reverts {@code cycles} times under eight hammering threads; returns how many replaces were native. */
    private static int hammer(int cycles) {
        Path exe = Targets.exe("hammer.c");
        Path patch = Targets.patch("hammer_patch.c");
        int natively = 0;
        try (RunningTarget t = RunningTarget.start(exe, "8")) {
            t.awaitLine("tick 1 ");
            try (TfixSession s = attach(t)) {
                for (int i = 0; i < cycles; i++) {
                    Results.Replaced r = s.replace("hot", null, "hot_v2", patch);
                    natively += r.phases().nativeWindow() ? 1 : 0;
                    s.revert("hot");
                }
                s.replace("hot", null, "hot_v2", patch);
                assertTrue(s.verify().get(0).ok());
            }
            t.awaitLine(l -> l.matches("tick \\d+ calls=\\d+ old=\\d+ new=[1-9]\\d*"), Duration.ofSeconds(10));
            assertTrue(t.output().stream().noneMatch(l -> l.startsWith("BAD")), String.join("\n", t.output()));
            assertTrue(t.alive());
            assertFalse(t.traced());
        }
        return natively;
    }

    @Test
    void aSignalOnItsWayIsPassedOnInsideTheNativeWindow() {
        // The 1 ms timer stops the main thread for SIGALRM while nobody answers: nearly every freeze meets that stop.
        Path exe = Targets.exe("ticker.c");
        Path patch = Targets.patch("ticker_patch.c");
        try (RunningTarget t = RunningTarget.start(exe)) {
            t.awaitLine("^window 1 ", Duration.ofSeconds(20));
            int natively = 0;
            try (TfixSession s = attach(t)) {
                for (int i = 0; i < 20; i++) {
                    LockSupport.parkNanos(2_000_000);
                    natively += s.replace("compute", null, "compute_v2", patch).phases().nativeWindow() ? 1 : 0;
                    s.revert("compute");
                }
                s.replace("compute", null, "compute_v2", patch);
            }
            assertEquals(20, natively, "freezes the library handed to the Java path");
            String last = t.awaitLine("^window [0-9]+ max_us=[0-9]+ compute=(?!21$)[0-9]+$", Duration.ofSeconds(20));
            assertTrue(t.alive(), last);
            assertFalse(t.traced());
        }
    }

    @Test
    void aThreadInTheWayIsRefusedInTheJavaCheckWords() throws Exception {
        Path exe = Targets.exe("corners.c");
        try (RunningTarget t = RunningTarget.startPast(SafetyTest.START, exe, "spin", "sleep", "pointer")) {
            FunctionRef spin, sleepy, viaPointer;
            try (TfixSession s = attach(t)) {
                spin = s.symbols().resolve("spin", null, List.of());
                sleepy = s.symbols().resolve("sleepy", null, List.of());
                viaPointer = s.symbols().resolve("via_pointer", null, List.of());
            }
            byte[] spinBytes = Targets.peek(t.pid(), spin.address(), 14);
            refusal(t, unchanged(t, spin, 14), false, "thread \\d+ is executing inside the bytes of spin being replaced.*");
            refusal(t, unchanged(t, viaPointer, 5), false, "thread \\d+ will return into the bytes of via_pointer being"
                    + " replaced \\(the word 0x[0-9a-f]+ at 0x[0-9a-f]+ on its stack\\).*");
            refusal(t, unchanged(t, sleepy, 5), true, "thread \\d+ has sleepy on its stack \\(the word 0x[0-9a-f]+ at"
                    + " 0x[0-9a-f]+ on its stack; safety 'stack'\\).*");
            assertArrayEquals(spinBytes, Targets.peek(t.pid(), spin.address(), 14));
            assertTrue(t.alive());
            assertFalse(t.traced());
        }
    }

    /** A write that changes nothing (its bytes as they are): the checks decide, the target stays as it was. */
    private static Write unchanged(RunningTarget t, FunctionRef f, int length) {
        byte[] now = Targets.peek(t.pid(), f.address(), length);
        return new Write(f.displayName(), f.address(), now, now, f.address(), f.symbol().size(), true);
    }

    /** Applies {@code w} through the Applier on a tracee of its own; the refusal must match {@code regex}. */
    private static void refusal(RunningTarget t, Write w, boolean stackCheck, String regex) throws Exception {
        try (PtraceThread owner = new PtraceThread(t.pid()); ProcMemory memory = new ProcMemory(t.pid())) {
            TfixException e = owner.call(() -> {
                Tracee tracee = Tracee.attach(new TargetProcess(t.pid()), new Ptrace(new Native()), owner);
                try {
                    Applier applier = new Applier(tracee, memory, new ProcessSymbols(t.pid(), List.of(), null),
                            Duration.ofMillis(200), stackCheck, () -> false);
                    return assertThrows(TfixException.class, () -> applier.apply(List.of(w)));
                } finally {
                    tracee.detach();
                }
            });
            assertEquals(Reason.THREAD_BUSY, e.reason(), e.getMessage());
            assertTrue(e.getMessage().matches(regex), e.getMessage());
        }
    }
}
