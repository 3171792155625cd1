package tfix.engine.ptrace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The wait status made again from a stop's siginfo decodes as the kernel's own would (StolenStopTest: live). */
class StrayStopsTest {
    private static final int SIGTRAP = 5, SIGALRM = 14, SI_KERNEL = 0x80, TRAP_BRKPT = 1;

    @Test
    void aSystemCallStop() {
        WaitStatus ws = StrayStops.remade(7, new int[] {SIGTRAP, SIGTRAP | 0x80});
        assertTrue(ws.syscallStop(), ws.toString());
        assertFalse(ws.signalDelivery());
    }

    @Test
    void aCloneEvent() {
        WaitStatus ws = StrayStops.remade(7, new int[] {SIGTRAP, WaitStatus.EVENT_CLONE << 8 | SIGTRAP});
        assertEquals(WaitStatus.EVENT_CLONE, ws.event());
        assertFalse(ws.signalDelivery() || ws.syscallStop() || ws.eventStop());
    }

    @Test
    void anInterruptStopHasNoSiginfo() {
        WaitStatus ws = StrayStops.remade(7, null);
        assertTrue(ws.eventStop() && !ws.groupStop(), ws.toString());
    }

    @Test
    void signalsOnTheirWayKeepTheirNumberEvenATrapSent() {
        assertEquals(SIGALRM, StrayStops.remade(7, new int[] {SIGALRM, -2}).stopSignal());
        for (int code : new int[] {SI_KERNEL, TRAP_BRKPT, 0}) {
            WaitStatus ws = StrayStops.remade(7, new int[] {SIGTRAP, code});
            assertTrue(ws.signalDelivery() && ws.stopSignal() == SIGTRAP, code + ": " + ws);
        }
    }
}
