package tfix.engine.ptrace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import tfix.engine.testing.Await;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/**
 * What the kernel does with a thread that ran into a tracer's int3 when the tracer dies (SIGKILL) at each
 * instant of a text_poke_bp-style write. These are the facts that keep tfix's writes stop-the-world (see
 * {@code apply.Applier}): each instant below ends a process with the default SIGTRAP action, or sends a thread
 * into the middle of an instruction. The target's SIGTRAP handler stands in for the default action (a core
 * dump), so the test can say where the signal was raised.
 */
class TracerDeathTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void anInt3LeftInMemoryTrapsTheNextCallerUntraced() throws Exception {
        try (RunningTarget t = victim()) {
            die(t, "left");
            t.awaitLine("^SIGTRAP at f\\+1$", WAIT);
            Await.until(WAIT, () -> !t.alive());
        }
    }

    @Test
    void aTrapNotYetCollectedIsDeliveredWhenTheTracerDiesEvenWithTheByteRestored() throws Exception {
        try (RunningTarget t = victim()) {
            die(t, "uncollected");
            t.awaitLine("^SIGTRAP at f\\+1$", WAIT);
            Await.until(WAIT, () -> !t.alive());
        }
    }

    @Test
    void aCollectedTrapIsDroppedAndTheThreadResumesPastTheInt3() throws Exception {
        try (RunningTarget t = victim()) {
            die(t, "collected");
            t.awaitLine("^f returned 0x55: resumed past its first byte$", WAIT);
            Await.until(WAIT, () -> !t.traced());
            assertTrue(t.alive());
            assertFalse(t.output().stream().anyMatch(l -> l.startsWith("SIGTRAP")), String.join("\n", t.output()));
        }
    }

    private static RunningTarget victim() {
        return RunningTarget.start(Targets.exe("int3_victim.c"));
    }

    /** Runs the tracer, which writes the int3 and kills itself at the instant {@code mode} names. */
    private static void die(RunningTarget t, String mode) throws Exception {
        String f = t.awaitLine("^f at 0x").substring("f at ".length());
        Path tracer = Targets.exe("int3_tracer.c");
        Process p = new ProcessBuilder(tracer.toString(), Integer.toString(t.pid()), f, mode)
                .redirectErrorStream(true).start();
        try {
            assertTrue(p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "the tracer did not reach its instant");
            assertEquals(128 + 9, p.exitValue(), new String(p.getInputStream().readAllBytes()));
        } finally {
            p.destroyForcibly().waitFor();
        }
    }
}
