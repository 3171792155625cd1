package tfix.engine.patch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tfix.engine.x86.JumpKind;
import tfix.engine.x86.X86Decoder;

/** The planner is pure: bytes and addresses in, a plan out. No process needed. */
class PlannerTest {
    static X86Decoder decoder;
    static Planner planner;

    @BeforeAll
    static void init() {
        decoder = new X86Decoder();
        planner = new Planner(decoder);
    }

    @AfterAll
    static void close() {
        decoder.close();
    }

    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    // push rbp; mov rbp,rsp; mov [rbp-4],edi; mov eax,[rbp-4]; add eax,eax; pop rbp; ret + padding
    static final byte[] FUNC = hex("55 4889e5 897dfc 8b45fc 01c0 8b45fc 01c0 8b45fc 01c0 5d c3 0f1f440000");

    static SitePlan plan(byte[] file, long entry, long size, long target) {
        return planner.plan(SiteRequest.alone("f", "/bin/x", entry, size, file, file.clone(), "g", "/p.so", target));
    }

    @Test
    void nearTargetGetsAFiveByteJumpOnInstructionBoundaries() {
        SitePlan p = plan(FUNC, 0x401000, 26, 0x402000);
        assertTrue(p.ok(), p.describe());
        assertEquals(JumpKind.REL32, p.kind());
        // 1 + 3 + 3 = 7 bytes: whole instructions, the last two bytes int3.
        assertEquals(7, p.length());
        assertArrayEquals(hex("e9 fb0f0000 cc cc"), p.patch());
        assertArrayEquals(hex("55 4889e5 897dfc"), p.original());
    }

    @Test
    void farTargetGetsAnAbsoluteJumpThatChangesNoRegister() {
        SitePlan p = plan(FUNC, 0x401000, 26, 0x7f0000001000L);
        assertTrue(p.ok(), p.describe());
        assertEquals(JumpKind.ABS64, p.kind());
        assertEquals(15, p.length()); // 14 needed: 1+3+3+3+2 = 12, then the next 3-byte mov
        assertArrayEquals(hex("ff2500000000 0010000000 7f0000 cc"), p.patch());
    }

    @Test
    void anAbsoluteJumpThatWouldCrossAPageGoesThroughATrampolineThatDoesNot() {
        // At 0x401ff8 the 15 bytes of the absolute jump would end on the next page; 7 bytes do not.
        SiteRequest r = SiteRequest.alone("f", "/bin/x", 0x401ff8, 26, FUNC, FUNC.clone(), "g", "/p.so", 0x7f0000001000L);
        SitePlan p = new JumpChoice(planner).plan(r, () -> JumpChoice.hypotheticalSlot(0x401ff8));
        assertTrue(p.ok(), p.describe());
        assertEquals(JumpChoice.hypotheticalSlot(0x401ff8), p.trampoline());
        assertEquals(JumpKind.REL32, p.kind());
        assertFalse(JumpChoice.spansTwoPages(p));
        // The same function inside a page keeps the absolute jump.
        SitePlan inside = new JumpChoice(planner).plan(SiteRequest.alone("f", "/bin/x", 0x401000, 26, FUNC, FUNC.clone(), "g",
                "/p.so", 0x7f0000001000L), () -> { throw new AssertionError("no trampoline needed"); });
        assertEquals(0, inside.trampoline());
        assertEquals(JumpKind.ABS64, inside.kind());
    }

    @Test
    void endbr64StaysAndTheJumpGoesAfterIt() {
        byte[] f = new byte[FUNC.length + 4];
        System.arraycopy(hex("f30f1efa"), 0, f, 0, 4);
        System.arraycopy(FUNC, 0, f, 4, FUNC.length);
        SitePlan p = plan(f, 0x401000, 30, 0x402000);
        assertTrue(p.ok(), p.describe());
        assertEquals(0x401004, p.site());
        assertEquals((byte) 0xe9, p.patch()[0]);
    }

    @Test
    void tooShortAFunctionIsRefusedWithTheSizes() {
        byte[] lea = hex("8d0437 c3 cccccccccccccccccccccccccccc"); // lea eax,[rdi+rsi]; ret
        SitePlan p = plan(lea, 0x401000, 4, 0x402000);
        assertFalse(p.ok());
        assertTrue(p.failures().get(0).detail().contains("f is 4 bytes"), p.describe());
    }

    @Test
    void paddingAfterAShortFunctionIsUsedOnlyWhenItIsPadding() {
        byte[] lea = hex("8d0437 c3 0f1f4000 0f1f440000 cccccc 55"); // lea; ret; nop4; nop5; int3 x3 | next function
        SiteRequest ok = new SiteRequest("f", "/bin/x", 0x401000, 4, lea, lea.clone(), "g", "/p.so", 0x402000,
                0x401010, List.of(), List.of(), 0, null);
        SitePlan p = planner.plan(ok);
        assertTrue(p.ok(), p.describe());
        assertEquals(8, p.length()); // lea(3) + ret(1) + nop4 covers the 5-byte jump

        SiteRequest nextSymbol = new SiteRequest("f", "/bin/x", 0x401000, 4, lea, lea.clone(), "g", "/p.so", 0x402000,
                0x401004, List.of(), List.of(), 0, null);
        SitePlan refused = planner.plan(nextSymbol);
        assertFalse(refused.ok());
        assertTrue(refused.describe().contains("next symbol or boundary is at 0x401004"), refused.describe());

        byte[] code = hex("8d0437 c3 4889e5 c3 cccccccccccccccc"); // real code after the ret
        SitePlan notPadding = planner.plan(new SiteRequest("f", "/bin/x", 0x401000, 4, code, code.clone(), "g", "/p.so",
                0x402000, 0x401010, List.of(), List.of(), 0, null));
        assertFalse(notPadding.ok());
        assertTrue(notPadding.describe().contains("not padding"), notPadding.describe());

        SitePlan relocated = planner.plan(new SiteRequest("f", "/bin/x", 0x401000, 4, lea, lea.clone(), "g", "/p.so",
                0x402000, 0x401010, List.of(0x401005L), List.of(), 0, null));
        assertFalse(relocated.ok());
    }

    @Test
    void aBranchFromElsewhereIntoTheReplacedBytesIsRefused() {
        IncomingBranch foreign = new IncomingBranch(0x400800, "jmp", 0x401003, "h.cold+0x10");
        SitePlan p = planner.plan(new SiteRequest("f", "/bin/x", 0x401000, 26, FUNC, FUNC.clone(), "g", "/p.so", 0x402000,
                0x401020, List.of(), List.of(foreign), 0, null));
        assertFalse(p.ok());
        assertTrue(p.describe().contains("jmp at 0x400800 (h.cold+0x10) jumps to 0x401003"), p.describe());
    }

    @Test
    void aBranchIntoTheReplacedBytesIsRefused() {
        // 0: xor eax,eax; 2: inc eax; 4: cmp eax,10; 7: jne 2; 9: ret  (a loop whose back-edge lands at +2)
        byte[] loop = hex("31c0 ffc0 83f80a 75f9 c3 90909090909090");
        SitePlan p = plan(loop, 0x401000, 10, 0x402000);
        assertFalse(p.ok());
        assertTrue(p.describe().contains("jumps to 0x401002"), p.describe());
    }

    @Test
    void bytesThatDifferFromTheFileAreRefusedAndOurOwnJumpIsRecognised() {
        byte[] changed = FUNC.clone();
        changed[1] = (byte) 0xcc;
        SitePlan p = planner.plan(SiteRequest.alone("f", "/bin/x", 0x401000, 26, FUNC, changed, "g", "/p.so", 0x402000));
        assertFalse(p.ok());
        assertTrue(p.describe().contains("differ"), p.describe());

        SitePlan first = plan(FUNC, 0x401000, 26, 0x402000);
        byte[] patched = FUNC.clone();
        System.arraycopy(first.patch(), 0, patched, 0, first.length());
        SitePlan again = planner.plan(SiteRequest.alone("f", "/bin/x", 0x401000, 26, FUNC, patched, "g", "/p.so", 0x402000));
        assertTrue(again.ok());
        assertTrue(again.alreadyApplied());
    }
}
