package tfix.engine.record;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The record's log read back, including runs cut short between their events. */
class PatchLogTest {
    static final byte[] OLD = {0x55, 0x48, (byte) 0x89, (byte) 0xe5, 0x00};
    static final byte[] JUMP = {(byte) 0xe9, 1, 2, 3, 4};

    static AppliedPatch patch(int id) {
        return new AppliedPatch(id, 0, "f\\with\ttab", "/bin/x", 0x1000, 0x1000, OLD, JUMP, "g", 0x2000, "/p.so", 1, 0);
    }

    static PatchLog log(byte[]... lines) {
        StringBuilder sb = new StringBuilder();
        for (byte[] l : lines) {
            sb.append(new String(l, StandardCharsets.UTF_8));
        }
        return PatchLog.parse(sb.toString());
    }

    @Test
    void openEventsAreSettledByTheBytesAndByLaterApplies() {
        PatchLog failedThenDone = log(PatchLog.applyEvent(patch(1)), PatchLog.applyEvent(patch(2)), PatchLog.event("applied", 2));
        List<AppliedPatch> on = failedThenDone.inForce(p -> JUMP);
        assertEquals(1, on.size());
        assertEquals(2, on.get(0).id());
        assertEquals("f\\with\ttab", on.get(0).function(), "names survive escaping");

        PatchLog cutShort = log(PatchLog.applyEvent(patch(1)));
        assertEquals(1, cutShort.inForce(p -> JUMP).size(), "jump written before tfix died: in force");
        assertEquals(0, cutShort.inForce(p -> OLD).size(), "died before writing: not in force");

        PatchLog revertCutShort = log(PatchLog.applyEvent(patch(1)), PatchLog.event("applied", 1), PatchLog.event("revert", 1));
        assertEquals(0, revertCutShort.inForce(p -> OLD).size());
        assertEquals(1, revertCutShort.inForce(p -> JUMP).size());
    }
}
