package tfix.engine.patch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tfix.engine.x86.X86Decoder;

/** Planning through callers is pure: a too-short plan and the callers' bytes in, retargeted branches out. */
class CallerPlannerTest {
    static X86Decoder decoder;
    static Planner planner;
    static CallerPlanner callers;
    static final long ENTRY = 0x401000;
    /** lea eax,[rdi+1]; ret, then the next function's first bytes. */
    static final byte[] LEA = HexFormat.of().parseHex("8d4701c38d4702c3" + "90".repeat(40));

    @BeforeAll
    static void init() {
        decoder = new X86Decoder();
        planner = new Planner(decoder);
        callers = new CallerPlanner(decoder);
    }

    @AfterAll
    static void close() {
        decoder.close();
    }

    static SitePlan tooShort(long target) {
        SiteRequest r = new SiteRequest("lea_plus_one", "/bin/x", ENTRY, 4, LEA, LEA.clone(), "v2", "/p.so", target,
                ENTRY + 4, List.of(), List.of(), 0, null);
        return planner.plan(r);
    }

    /** A caller whose file and process bytes are {@code hex}. */
    static CallerRequest.Caller caller(long at, String hex) {
        byte[] b = HexFormat.of().parseHex(hex);
        return new CallerRequest.Caller(at, "f+0x0", b, b.clone());
    }

    static byte[] callTo(long at, long to) {
        int d = (int) (to - (at + 5));
        return new byte[] {(byte) 0xe8, (byte) d, (byte) (d >> 8), (byte) (d >> 16), (byte) (d >> 24)};
    }

    @Test
    void onlyALackOfRoomTurnsToTheCallers() {
        SitePlan p = tooShort(0x402000);
        assertTrue(CallerPlanner.onlyLacksRoom(p), p.describe());
        // The new function is the old one: refused as before, not planned through callers.
        SitePlan other = planner.plan(new SiteRequest("lea_plus_one", "/bin/x", ENTRY, 4, LEA, LEA.clone(), "v2", "/p.so",
                ENTRY, ENTRY + 4, List.of(), List.of(), 0, null));
        assertFalse(CallerPlanner.onlyLacksRoom(other), other.describe());
    }

    @Test
    void nearCallersAreRetargetedStraightAndFarOnesShareATrampoline() {
        long near = 0x402000;
        String call = HexFormat.of().formatHex(callTo(0x401100, ENTRY));
        CallerRequest r = new CallerRequest(List.of(caller(0x401100, call), caller(0x401200, "0f84" + "fafdffff")),
                List.of(), List.of(), null);
        SitePlan direct = callers.plan(tooShort(near), r, a -> {
            throw new AssertionError("no slot needed");
        });
        assertTrue(direct.ok(), direct.describe());
        assertArrayEquals(callTo(0x401100, near), direct.callers().sites().get(0).patch());
        assertEquals(6, direct.callers().sites().get(1).patch().length, "a jcc keeps its 6-byte form");

        List<Long> asked = new ArrayList<>();
        SitePlan far = callers.plan(tooShort(0x7f0000000000L), r, a -> {
            asked.add(a);
            return 0x400000;
        });
        assertTrue(far.ok(), far.describe());
        assertEquals(List.of(0x401100L), asked, "one slot serves both callers in its reach");
        assertArrayEquals(callTo(0x401100, 0x400000), far.callers().sites().get(0).patch());
        assertEquals(0x400000, far.callers().sites().get(1).trampoline());
    }

    @Test
    void shortBranchesAddressesTakenAndImportersAreRefusedByName() {
        CallerRequest r = new CallerRequest(List.of(caller(0x401010, "ebee")), List.of("lea rdi, [rip - 0x17] at 0x401020 (g+0x3)"),
                List.of("libuser.so"), null);
        SitePlan p = callers.plan(tooShort(0x402000), r, a -> {
            throw new AssertionError("no slot for a refused plan");
        });
        assertFalse(p.ok());
        String why = p.failures().toString();
        assertTrue(why.contains("0x401010 (f+0x0): jmp 0x401000"), why);
        assertTrue(why.contains("lea rdi, [rip - 0x17] at 0x401020"), why);
        assertTrue(why.contains("libuser.so"), why);
        assertTrue(p.callers().sites().isEmpty());
    }

    @Test
    void bytesSomeoneElseChangedAndNoCallerAtAllAreRefused() {
        byte[] file = callTo(0x401100, ENTRY);
        byte[] now = file.clone();
        now[0] = (byte) 0xcc;
        SitePlan changed = callers.plan(tooShort(0x402000), new CallerRequest(
                List.of(new CallerRequest.Caller(0x401100, "f+0x0", file, now)), List.of(), List.of(), null), a -> 0);
        assertTrue(changed.failures().toString().contains("0x401100 (f+0x0)"), changed.describe());
        SitePlan none = callers.plan(tooShort(0x402000), new CallerRequest(List.of(), List.of(), List.of(), null), a -> 0);
        assertTrue(none.failures().toString().contains("nothing to redirect"), none.describe());
        assertNull(tooShort(0x402000).callers());
    }
}
