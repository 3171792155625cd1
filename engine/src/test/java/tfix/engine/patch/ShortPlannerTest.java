package tfix.engine.patch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import tfix.engine.x86.JumpKind;
import tfix.engine.x86.X86Decoder;

/**
 * The 2-byte entry jump to a pad, planned from bytes alone: which sites qualify (first instruction of 2 bytes or
 * more, even site) and which padding may hold the pad (after a function that ends the flow, outside every symbol,
 * padding bytes only, no branch target, within rel8 reach, not used before).
 */
class ShortPlannerTest {
    static X86Decoder decoder;

    @BeforeAll
    static void init() {
        decoder = new X86Decoder();
    }

    @AfterAll
    static void close() {
        decoder.close();
    }

    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    static final long ENTRY = 0x401010;
    // movl $1,-4(%rsp) (8 bytes); mov -4(%rsp),%eax; add %edi,%eax; ret
    static final byte[] HOT = hex("c74424fc01000000 8b4424fc 01f8 c3");
    // push %rbp (1 byte) first
    static final byte[] PUSH_FIRST = hex("55 4889e5 8b4424fc 5d c3 000000000000000000");
    // lea (%rdi,%rdi,2),%eax; ret: the function before, ending at 0x401004; gcc's padding to 0x401010
    static final byte[] BEFORE = hex("8d047f c3");
    static final byte[] PADDING = hex("66 2e0f1f840000000000 0f1f00");

    static PadGap gapBefore(byte[] bytes, List<Long> targets) {
        return new PadGap(0x401004, bytes, 0x401000, BEFORE, targets);
    }

    static PadArea area(PadGap gap, List<long[]> symbols, Set<Long> used) {
        return new PadArea(List.of(gap), symbols, 0x400000, 0x500000, used);
    }

    static final List<long[]> SYMBOLS = List.of(new long[] {0x401000, 0x401004}, new long[] {ENTRY, ENTRY + HOT.length});

    static SitePlan plan(byte[] code, long entry, long target, PadArea area) {
        SiteRequest r = SiteRequest.alone("hot", "/bin/x", entry, code.length, code, code.clone(), "hot_v2", "/p.so", target);
        return new ShortPlanner(decoder).plan(r, area, () -> 0x10000000L);
    }

    @Test
    void aFirstInstructionOfEightBytesGetsAJmpRel8ToAPadInThePaddingBefore() {
        SitePlan p = plan(HOT, ENTRY, 0x402000, area(gapBefore(PADDING, List.of()), SYMBOLS, Set.of()));
        assertTrue(p.ok(), p.describe());
        assertTrue(ShortJump.planned(p));
        assertEquals(JumpKind.SHORT, p.kind());
        // the pad is the padding's first byte, 0x401004: rel8 = 0x401004 - 0x401012 = -14
        assertArrayEquals(hex("eb f2"), p.patch());
        assertArrayEquals(hex("c744"), p.original());
        assertEquals(0x401004, ShortJump.pad(p.site(), p.patch()));
        assertArrayEquals(hex("e9 f70f0000"), ShortJump.padCode(0x401004, 0x402000));
        assertEquals(0, p.trampoline(), "the new function is in a 5-byte jump's reach");
        assertTrue(p.jumpLabel().contains("jmp rel8 to a pad at 0x401004"), p.jumpLabel());
        assertTrue(p.describe().contains("write without stopping threads (entry within the first instruction"), p.describe());
    }

    @Test
    void aFarNewFunctionIsReachedThroughATrampolineFromThePad() {
        SitePlan p = plan(HOT, ENTRY, 0x7f1234560000L, area(gapBefore(PADDING, List.of()), SYMBOLS, Set.of()));
        assertTrue(p.ok(), p.describe());
        assertEquals(0x10000000L, p.trampoline());
        assertTrue(p.jumpLabel().contains("on to a trampoline at 0x10000000"), p.jumpLabel());
    }

    @Test
    void aFirstInstructionOfOneByteIsRefused() {
        SitePlan p = plan(PUSH_FIRST, ENTRY, 0x402000, area(gapBefore(PADDING, List.of()), SYMBOLS, Set.of()));
        assertFalse(p.ok());
        assertTrue(p.failures().get(0).detail().contains("is 1 byte long (push rbp)"), p.describe());
    }

    @Test
    void aFirstInstructionThatIsASystemCallIsRefused() {
        // syscall; ret: a call interrupted there restarts at rip - 2, the site
        SitePlan p = plan(hex("0f05 c3 90"), ENTRY, 0x402000, area(gapBefore(PADDING, List.of()), SYMBOLS, Set.of()));
        assertFalse(p.ok());
        assertTrue(p.failures().get(0).detail().contains("is a system call (syscall)"), p.describe());
    }

    @Test
    void anOddSiteIsRefused() {
        SitePlan p = plan(HOT, ENTRY + 1, 0x402000, area(gapBefore(PADDING, List.of()), SYMBOLS, Set.of()));
        assertFalse(p.ok());
        assertTrue(p.failures().get(0).detail().contains("is odd"), p.describe());
    }

    @Test
    void padsInsideASymbolAreRefused() {
        List<long[]> symbols = List.of(new long[] {0x401000, 0x401010});
        SitePlan p = plan(HOT, ENTRY, 0x402000, area(gapBefore(PADDING, List.of()), symbols, Set.of()));
        assertFalse(p.ok());
        assertTrue(why(p).contains("lies inside a symbol"), p.describe());
    }

    @Test
    void bytesThatAreNotPaddingAreRefused() {
        // xor %eax,%eax; ret; ...: code, not padding (a static function the symbols do not name)
        SitePlan p = plan(HOT, ENTRY, 0x402000, area(gapBefore(hex("31c0 c3 90909090909090909090"), List.of()), SYMBOLS,
                Set.of()));
        assertFalse(p.ok());
        assertTrue(why(p).contains("are not 5 bytes of padding"), p.describe());
    }

    @Test
    void paddingAfterAFunctionThatMayFallThroughIsRefused() {
        PadGap gap = new PadGap(0x401004, PADDING, 0x401000, hex("8d047f 90"), List.of()); // lea; nop: no ret
        SitePlan p = plan(HOT, ENTRY, 0x402000, area(gap, SYMBOLS, Set.of()));
        assertFalse(p.ok());
        assertTrue(why(p).contains("may run on into the bytes after it"), p.describe());
    }

    @Test
    void paddingOutOfRel8ReachIsRefused() {
        SitePlan p = plan(HOT, ENTRY + 0x200, 0x402000, area(gapBefore(PADDING, List.of()), SYMBOLS, Set.of()));
        assertFalse(p.ok());
        assertTrue(why(p).contains("out of a 2-byte jump's reach"), p.describe());
    }

    @Test
    void aBranchTargetInThePaddingOrAUsedPadMovesThePadOnOrRefusesIt() {
        // A branch lands at 0x401006: the first 5-byte run clear of it starts at 0x401007.
        SitePlan moved = plan(HOT, ENTRY, 0x402000, area(gapBefore(PADDING, List.of(0x401006L)), SYMBOLS, Set.of()));
        assertTrue(moved.ok(), moved.describe());
        assertEquals(0x401007, ShortJump.pad(moved.site(), moved.patch()));
        // Used pads are never reused: with 0x401004 and 0x40100a used, no 5 bytes are left.
        SitePlan none = plan(HOT, ENTRY, 0x402000, area(gapBefore(PADDING, List.of()), SYMBOLS, Set.of(0x401004L, 0x40100bL)));
        assertFalse(none.ok(), none.describe());
        assertTrue(why(none).contains("is used already"), none.describe());
    }

    @Test
    void zerosAndInt3CountAsPaddingAndNoGapIsSaidSo() {
        SitePlan p = plan(HOT, ENTRY, 0x402000, area(gapBefore(hex("cccccc 000000 90"), List.of()), SYMBOLS, Set.of()));
        assertTrue(p.ok(), p.describe());
        SitePlan none = plan(HOT, ENTRY, 0x402000, PadArea.none());
        assertFalse(none.ok());
        assertTrue(why(none).contains("no gap between functions within reach"), none.describe());
    }

    private static String why(SitePlan p) {
        return String.join("; ", p.failures().stream().map(Check::detail).toList());
    }
}
