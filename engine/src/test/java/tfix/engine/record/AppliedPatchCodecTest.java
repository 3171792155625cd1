package tfix.engine.record;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/** The record's text form of a patch and of the other events, byte for byte and back. */
class AppliedPatchCodecTest {
    static final byte[] OLD = {0x55, 0x48, (byte) 0x89, (byte) 0xe5, 0x41};
    static final byte[] JUMP = {(byte) 0xe9, (byte) 0xc5, 0x00, 0x00, 0x00};

    static AppliedPatch patch(int id, int tx, String name, long site, long trampoline) {
        return new AppliedPatch(id, tx, name, "/srv/game " + name, site, site, OLD, JUMP, name + "_v2", 0x7f0a_1b2c_3d4eL,
                "/opt/fix/" + name + ".so", 1_717_243_200_000L, trampoline);
    }

    static void assertSamePatch(AppliedPatch want, AppliedPatch got) {
        assertEquals(want.id(), got.id());
        assertEquals(want.transaction(), got.transaction());
        assertEquals(want.function(), got.function());
        assertEquals(want.module(), got.module());
        assertEquals(want.entry(), got.entry());
        assertEquals(want.site(), got.site());
        assertArrayEquals(want.original(), got.original());
        assertArrayEquals(want.patch(), got.patch());
        assertEquals(want.targetName(), got.targetName());
        assertEquals(want.target(), got.target());
        assertEquals(want.patchFile(), got.patchFile());
        assertEquals(want.appliedAt(), got.appliedAt());
        assertEquals(want.trampoline(), got.trampoline());
        assertEquals(want.kind(), got.kind());
        assertEquals(want.copy(), got.copy());
        assertEquals(want.fixEntry(), got.fixEntry());
    }

    static AppliedPatch roundTrip(AppliedPatch p) {
        String line = new String(PatchLog.applyEvent(p), StandardCharsets.UTF_8);
        assertEquals('\n', line.charAt(line.length() - 1));
        assertEquals(line.length() - 1, line.indexOf('\n'), "one line: " + line);
        String[] fields = line.substring(0, line.length() - 1).split("\t", -1);
        assertEquals(17, fields.length, line);
        assertEquals("apply", fields[0]);
        return AppliedPatch.decode(fields, 1);
    }

    static PatchLog log(byte[]... lines) {
        StringBuilder sb = new StringBuilder();
        for (byte[] l : lines) {
            sb.append(new String(l, StandardCharsets.UTF_8));
        }
        return PatchLog.parse(sb.toString());
    }

    @Test
    void exactText() {
        AppliedPatch p = new AppliedPatch(3, 2, "compute", "/bin/x", 0x401136, 0x40113a, OLD, JUMP, "compute_v2",
                0x7f0a_1b2c_3d4eL, "/p/fix.so", 1_717_243_200_000L, 0x7f0a_0000_0040L);
        assertEquals("3\t2\tcompute\t/bin/x\t401136\t40113a\t554889e541\te9c5000000\tcompute_v2\t7f0a1b2c3d4e\t/p/fix.so\t"
                + "1717243200000\t7f0a00000040\tjump\t0\t0", p.encode());
        assertEquals("apply\t" + p.encode() + "\n", new String(PatchLog.applyEvent(p), StandardCharsets.UTF_8));
        assertEquals("applied\t3\n", new String(PatchLog.event("applied", 3), StandardCharsets.UTF_8));
        assertEquals("island\t7f0a00000000\t1000\n", new String(PatchLog.islandEvent(0x7f0a_0000_0000L, 0x1000),
                StandardCharsets.UTF_8));
    }

    @Test
    void namesWithTabsNewlinesAndBackslashes() {
        String[] names = {"plain", "tab\there", "new\nline", "back\\slash", "literal \\t and \\n", "ends with \\",
                "\\\\\t\\\n", "\t\n", "", "Role::getClassName[abi:cxx11]() const", "é 中文 😀", "cr\r and nul\0"};
        for (String n : names) {
            AppliedPatch p = patch(7, 3, n, 0x401136, 0);
            assertFalse(p.encode().contains("\n"), n);
            assertEquals(16, p.encode().split("\t", -1).length, n);
            assertSamePatch(p, roundTrip(p));
        }
        assertEquals("a\\tb\\nc\\\\d", patch(1, 1, "a\tb\nc\\d", 0, 0).encode().split("\t", -1)[2]);
    }

    @Test
    void bigNumbersAtTheEdgesOfUserSpace() {
        long[] addresses = {1, 0x7fff_ffffL, 0x8000_0000L, 0x7fff_ffff_ffffL};
        for (long a : addresses) {
            AppliedPatch p = new AppliedPatch(Integer.MAX_VALUE, Integer.MAX_VALUE, "f", "m", a, a, new byte[] {0x55},
                    new byte[] {(byte) 0xff, 0x25, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, (byte) 0x80}, "g", a, "p", Long.MAX_VALUE / 100, a);
            assertSamePatch(p, roundTrip(p));
        }
    }

    @Test
    void addressesOutsideUserSpaceAreADamagedRecord() {
        for (long a : new long[] {0, 0x8000_0000_0000L, 0xffff_ffff_ff60_0000L, -1L}) {
            AppliedPatch p = new AppliedPatch(1, 1, "f", "m", 0x401000, a, OLD, JUMP, "g", 0x401000, "p", 1, 0);
            TfixException e = assertThrows(TfixException.class, () -> roundTrip(p));
            assertEquals(Reason.RECORD, e.reason());
        }
    }

    @Test
    void aRecordFromBeforeTrampolinesReadsTrampolineZero() {
        AppliedPatch p = patch(4, 1, "f", 0x401136, 0x7f00_0000_0040L);
        String encoded = p.encode();
        String[] fields = ("apply\t" + encoded).split("\t", -1);
        AppliedPatch back = AppliedPatch.decode(java.util.Arrays.copyOf(fields, fields.length - 4), 1);
        assertSamePatch(patch(4, 1, "f", 0x401136, 0), back);
    }

    @Test
    void kindAndCopyRoundTripAndOlderRecordsReadAsJumps() {
        AppliedPatch got = patch(5, 2, "strtol", 0x401136, 0).as(SiteKind.IMPORT, 0);
        assertSamePatch(got, roundTrip(got));
        AppliedPatch withCopy = patch(6, 2, "compute", 0x401136, 0).as(SiteKind.JUMP, 0x7f00_0000_1000L);
        assertSamePatch(withCopy, roundTrip(withCopy));
        String[] fields = ("apply\t" + withCopy.encode()).split("\t", -1);
        AppliedPatch older = AppliedPatch.decode(java.util.Arrays.copyOf(fields, fields.length - 3), 1);
        assertEquals(SiteKind.JUMP, older.kind());
        assertEquals(0, older.copy());
        AppliedPatch fromTable = withCopy.fromFixEntry(3);
        assertSamePatch(fromTable, roundTrip(fromTable));
        fields[14] = "sideways";
        TfixException e = assertThrows(TfixException.class, () -> AppliedPatch.decode(fields, 1));
        assertEquals(Reason.RECORD, e.reason());
    }

    @Test
    void theLogReadsPatchesBackWithTheirNames() {
        AppliedPatch a = patch(1, 1, "weird\tname\nwith\\all", 0x401136, 0x7f00_0000_0040L);
        AppliedPatch b = patch(2, 2, "other", 0x402000, 0);
        PatchLog l = log(PatchLog.applyEvent(a), PatchLog.event("applied", 1), PatchLog.applyEvent(b),
                PatchLog.event("applied", 2));
        List<AppliedPatch> on = l.inForce(p -> new byte[0]);
        assertEquals(2, on.size());
        assertSamePatch(a, on.get(0));
        assertSamePatch(b, on.get(1));
        assertEquals("weird\tname\nwith\\all.so", on.get(0).patchLibraryName());
    }

    @Test
    void counters() {
        PatchLog empty = PatchLog.parse("");
        assertEquals(1, empty.nextId());
        assertEquals(1, empty.nextTransaction());
        assertEquals(Set.of(), empty.usedSlots());
        assertEquals(0, empty.islands().size());

        PatchLog l = log(PatchLog.applyEvent(patch(1, 1, "f", 0x401000, 0x7f00_0000_0040L)), PatchLog.event("applied", 1),
                PatchLog.applyEvent(patch(5, 3, "g", 0x402000, 0)), PatchLog.event("aborted", 5),
                PatchLog.applyEvent(patch(2, 2, "h", 0x403000, 0x7f00_0000_0080L)), PatchLog.event("reverted", 2),
                PatchLog.islandEvent(0x7f00_0000_0000L, 0x1000), PatchLog.islandEvent(0x7fff_8000_0000L, 0x2000));
        assertEquals(6, l.nextId());
        assertEquals(4, l.nextTransaction());
        assertEquals(Set.of(0x7f00_0000_0040L, 0x7f00_0000_0080L), l.usedSlots(), "slots of reverted patches stay used");
        assertEquals(2, l.islands().size());
        assertArrayEquals(new long[] {0x7f00_0000_0000L, 0x1000}, l.islands().get(0));
        assertArrayEquals(new long[] {0x7fff_8000_0000L, 0x2000}, l.islands().get(1));
    }

    @Test
    void closedStatesAndUnknownEvents() {
        // Whatever the site holds, an aborted, superseded or reverted patch is not in force; an applied one is.
        PatchLog l = log(PatchLog.applyEvent(patch(1, 1, "a", 0x401000, 0)), PatchLog.event("aborted", 1),
                PatchLog.applyEvent(patch(2, 2, "b", 0x402000, 0)), PatchLog.event("superseded", 2),
                PatchLog.applyEvent(patch(3, 3, "c", 0x403000, 0)), PatchLog.event("applied", 3), PatchLog.event("revert", 3),
                PatchLog.event("reverted", 3),
                "future\tsomething\t42\n".getBytes(StandardCharsets.UTF_8),
                PatchLog.applyEvent(patch(4, 4, "d", 0x404000, 0)), PatchLog.event("applied", 4),
                "\n".getBytes(StandardCharsets.UTF_8));
        for (byte[] site : new byte[][] {JUMP, OLD}) {
            List<AppliedPatch> on = l.inForce(p -> site);
            assertEquals(1, on.size());
            assertEquals(4, on.get(0).id());
        }
    }
}
