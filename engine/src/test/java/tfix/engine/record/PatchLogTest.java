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

    static AppliedPatch at(int id, int tx, long site, long trampoline, byte[] jump) {
        return new AppliedPatch(id, tx, "f" + id, "/bin/x", site, site, OLD, jump, "g" + id, 0x2000 + id, "/p.so", 1, trampoline);
    }

    static byte[] jump(int n) {
        return new byte[] {(byte) 0xe9, (byte) n, 0, 0, 0};
    }

    static PatchLog compact(PatchLog l, java.util.function.Function<AppliedPatch, byte[]> site) {
        return PatchLog.parse(new String(l.compacted(site), StandardCharsets.UTF_8));
    }

    static List<Integer> ids(List<AppliedPatch> ps) {
        return ps.stream().map(AppliedPatch::id).toList();
    }

    @Test
    void compactionKeepsWhatIsInForceAndFoldsTheRest() {
        PatchLog l = log(PatchLog.islandEvent(0x7f00_0000_0000L, 0x1000),
                PatchLog.applyEvent(at(1, 1, 0x1000, 0x7f00_0000_0000L, jump(1))), PatchLog.event("applied", 1),
                PatchLog.applyEvent(at(2, 1, 0x2000, 0x7f00_0000_0040L, jump(2))), PatchLog.event("applied", 2),
                PatchLog.event("revert", 2), PatchLog.event("reverted", 2),
                PatchLog.applyEvent(at(3, 0, 0x3000, 0, jump(3))), PatchLog.event("aborted", 3),
                PatchLog.applyEvent(at(4, 2, 0x4000, 0, jump(4))), PatchLog.event("applied", 4),
                "future\tthing\n".getBytes(StandardCharsets.UTF_8));
        PatchLog c = compact(l, p -> p.patch());
        assertEquals(List.of(1, 4), ids(c.inForce(p -> p.patch())));
        assertEquals(List.of(1, 4), ids(c.inForce(p -> OLD)), "settled: applied, whatever the bytes");
        assertEquals(5, c.nextId(), "ids never reused, though patch 3 is folded away");
        assertEquals(3, c.nextTransaction());
        assertEquals(java.util.Set.of(0x7f00_0000_0000L, 0x7f00_0000_0040L), c.usedSlots(), "the reverted patch's slot stays used");
        assertEquals(1, c.islands().size());
        assertEquals(1, c.generation());
        assertEquals(2, compact(c, p -> p.patch()).generation());
        assertEquals(2, c.patchCount());
    }

    @Test
    void compactionSettlesOpenEventsLeftByAKilledRunByTheBytes() {
        PatchLog l = log(PatchLog.applyEvent(at(1, 0, 0x1000, 0, jump(1))),           // killed after writing the jump
                PatchLog.applyEvent(at(2, 0, 0x2000, 0, jump(2))),                       // killed before writing it
                PatchLog.applyEvent(at(3, 0, 0x3000, 0, jump(3))), PatchLog.event("applied", 3),
                PatchLog.event("revert", 3),                                             // killed before undoing it
                PatchLog.applyEvent(at(4, 0, 0x4000, 0, jump(4))), PatchLog.event("applied", 4),
                PatchLog.event("revert", 4));                                            // killed after undoing it
        java.util.function.Function<AppliedPatch, byte[]> site = p -> p.id() == 1 || p.id() == 3 ? p.patch() : OLD;
        assertEquals(List.of(1, 3), ids(l.inForce(site)));
        PatchLog c = compact(l, site);
        assertEquals(List.of(1, 3), ids(c.inForce(p -> OLD)));
        assertEquals(5, c.nextId());
    }

    @Test
    void compactionFollowsSupersedeChains() {
        // v1 -> v2 -> v3 at one site; v3's takeover was cut short after writing (bytes hold v3's jump).
        PatchLog l = log(PatchLog.applyEvent(at(1, 0, 0x1000, 0, jump(1))), PatchLog.event("applied", 1),
                PatchLog.applyEvent(at(2, 0, 0x1000, 0, jump(2))), PatchLog.event("applied", 2), PatchLog.event("superseded", 1),
                PatchLog.applyEvent(at(3, 0, 0x1000, 0, jump(3))));
        assertEquals(List.of(3), ids(l.inForce(p -> jump(3))));
        assertEquals(List.of(2), ids(l.inForce(p -> jump(2))), "cut before writing: v2 still in force");
        assertEquals(List.of(3), ids(compact(l, p -> jump(3)).inForce(p -> OLD)));
        PatchLog keptV2 = compact(l, p -> jump(2));
        assertEquals(List.of(2), ids(keptV2.inForce(p -> jump(2))));
        assertEquals(4, keptV2.nextId());
        // Applied again over the compacted record, the takeover still works by site.
        PatchLog more = PatchLog.parse(new String(keptV2.compacted(p -> jump(2)), StandardCharsets.UTF_8)
                + new String(PatchLog.applyEvent(at(4, 0, 0x1000, 0, jump(4))), StandardCharsets.UTF_8)
                + "applied\t4\nsuperseded\t2\n");
        assertEquals(List.of(4), ids(more.inForce(p -> jump(4))));
    }

    @Test
    void damagedRecordsAreOneRecordFailure() {
        String good = new String(PatchLog.applyEvent(patch(1)), StandardCharsets.UTF_8);
        String[] bad = {
            "apply\t1\n",                                     // too few fields
            good.replace("554889e500", "55488"),                // odd hex
            good.replace("554889e500", "zz"),                   // not hex
            good.replace("554889e500", "55".repeat(65)),        // more than 64 bytes
            good.replace("\t1000\t1000\t", "\t1000\tffff800000000000\t"), // site outside user space
            good.replace("apply\t1\t", "apply\t-1\t"),          // negative id
            good.replace("apply\t1\t", "apply\t0\t"),           // id 0
            good.replace("apply\t1\t", "apply\t99999999999\t"), // id past int
            good.substring(0, good.length() - 1),              // cut short: no newline
            good + good,                                       // same id twice
            "\u0000\u0001garbage\n",                          // not an event
            "applied\tx\n",
            "island\t1000\n",
            "f".repeat(PatchLog.MAX_LINE + 1) + "\n",
            good.replace("\tf\\\\with\\ttab\t", "\t" + "n".repeat(RecordFields.MAX_NAME + 1) + "\t"),
        };
        for (String text : bad) {
            tfix.engine.failure.TfixException e = org.junit.jupiter.api.Assertions.assertThrows(
                    tfix.engine.failure.TfixException.class, () -> PatchLog.parse(text), text);
            assertEquals(tfix.engine.failure.Reason.RECORD, e.reason(), text);
            org.junit.jupiter.api.Assertions.assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        }
    }

    @Test
    void usedSlotsCompactToABitPerSlot() {
        StringBuilder sb = new StringBuilder(new String(PatchLog.islandEvent(0x7f00_0000_0000L, 0x1000), StandardCharsets.UTF_8));
        java.util.Set<Long> want = new java.util.HashSet<>();
        for (int i = 1; i <= 200; i++) {
            long slot = 0x7f00_0000_0000L + (i * 7 % 256) * 16L;
            want.add(slot);
            sb.append(new String(PatchLog.applyEvent(at(i, 0, 0x1000L * i, slot, jump(i))), StandardCharsets.UTF_8))
                    .append("reverted\t").append(i).append('\n');
        }
        sb.append("slot\t6000\n"); // a slot outside any island
        want.add(0x6000L);
        PatchLog l = PatchLog.parse(sb.toString());
        byte[] compacted = l.compacted(p -> OLD);
        assertEquals(want, PatchLog.parse(new String(compacted, StandardCharsets.UTF_8)).usedSlots());
        org.junit.jupiter.api.Assertions.assertTrue(compacted.length < 200, compacted.length + " bytes for 200 slots");
        assertEquals(want, compact(compact(l, p -> OLD), p -> OLD).usedSlots(), "and again");
    }

    @Test
    void slotBitmapsAreChecked() {
        for (String bad : new String[] {"slots\t7f0000000000\t0\tff\n", "slots\t7f0000000000\t10\tzz\n",
            "slots\t7f0000000000\t10\t\n", "slots\t7f0000000000\t10\t" + "f".repeat(3000) + "\n",
            "slots\t7ffffffffff0\t1000\tff\n", "slots\t0\t10\t1\n", "slots\t7f0000000000\t10\n"}) {
            tfix.engine.failure.TfixException e = org.junit.jupiter.api.Assertions.assertThrows(
                    tfix.engine.failure.TfixException.class, () -> PatchLog.parse(bad), bad);
            assertEquals(tfix.engine.failure.Reason.RECORD, e.reason());
        }
    }
}
