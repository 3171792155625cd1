package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/**
 * A thread borrowed while it runs inside a restartable sequence (rseq) must come back at the
 * section's abort handler, as the kernel sends a preempted thread; brought back into the
 * section instead, it would run on with the kernel no longer watching it (its rseq_cs
 * cleared) and never abort again.
 */
class RseqTest {
    private static long entries(RunningTarget t, long address) {
        return ByteBuffer.wrap(Targets.peek(t.pid(), address, 8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    @Test
    void aThreadBorrowedInsideACriticalSectionComesBackAtItsAbortHandler() {
        Path exe = Targets.exe("rseq_spin.c", "-pthread");
        try (RunningTarget t = RunningTarget.start(exe)) {
            String ready = t.output().get(0);
            long address = Long.parseUnsignedLong(ready.replaceAll(".*entries=0x", ""), 16);
            long before = entries(t, address);
            assertEquals(0, RemoteCallTest.wrongAtoi(t, 5, 99));
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (entries(t, address) < before + 5 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            long after = entries(t, address);
            System.out.printf("rseq: %d entries into the section before 5 borrowed calls, %d after%n", before, after);
            assertTrue(after >= before + 5, "the section was not aborted after each call: " + before + " -> " + after);
            assertTrue(t.alive());
            assertFalse(t.traced());
        }
    }
}
