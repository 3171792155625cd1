package tfix.engine.x86;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HexFormat;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** The exact bytes of the jump written at a patch site. */
class CodeWriterJumpTest {
    static final long SITE = 0x401136L;

    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    @Test
    void kinds() {
        assertEquals(5, JumpKind.REL32.length);
        assertEquals(14, JumpKind.ABS64.length);
        assertEquals("jmp rel32", JumpKind.REL32.label());
        assertEquals("jmp [rip] absolute", JumpKind.ABS64.label());
    }

    @Test
    void rel32Forwards() {
        // 0x401200 - (0x401136 + 5) = 0xc5
        assertEquals(JumpKind.REL32, CodeWriter.siteJump(SITE, 0x401200));
        assertArrayEquals(hex("e9 c5 00 00 00"), CodeWriter.jumpAt(SITE, JumpKind.REL32, 0x401200, 5));
        // 0x12345678 + 5 bytes past the site: every displacement byte distinct, little-endian.
        assertArrayEquals(hex("e9 78 56 34 12"), CodeWriter.jumpAt(SITE, JumpKind.REL32, SITE + 5 + 0x12345678, 5));
    }

    @Test
    void rel32Backwards() {
        // 0x400000 - 0x40113b = -0x113b = 0xffffeec5
        assertEquals(JumpKind.REL32, CodeWriter.siteJump(SITE, 0x400000));
        assertArrayEquals(hex("e9 c5 ee ff ff"), CodeWriter.jumpAt(SITE, JumpKind.REL32, 0x400000, 5));
        // A jump to itself: -5.
        assertArrayEquals(hex("e9 fb ff ff ff"), CodeWriter.jumpAt(SITE, JumpKind.REL32, SITE, 5));
        // To the next instruction: 0.
        assertArrayEquals(hex("e9 00 00 00 00"), CodeWriter.jumpAt(SITE, JumpKind.REL32, SITE + 5, 5));
    }

    @Test
    void reachBoundary() {
        long site = 0x5555_5555_0000L;
        long farthest = site + 5 + Integer.MAX_VALUE;
        long nearestBack = site + 5 + Integer.MIN_VALUE;
        assertEquals(JumpKind.REL32, CodeWriter.siteJump(site, farthest));
        assertArrayEquals(hex("e9 ff ff ff 7f"), CodeWriter.jumpAt(site, JumpKind.REL32, farthest, 5));
        assertEquals(JumpKind.ABS64, CodeWriter.siteJump(site, farthest + 1));

        assertEquals(JumpKind.REL32, CodeWriter.siteJump(site, nearestBack));
        assertArrayEquals(hex("e9 00 00 00 80"), CodeWriter.jumpAt(site, JumpKind.REL32, nearestBack, 5));
        assertEquals(JumpKind.ABS64, CodeWriter.siteJump(site, nearestBack - 1));
    }

    @Test
    void farTargetsTakeAbs64() {
        // A library at the top of user space patched from a non-PIE executable.
        long site = 0x401000L;
        long target = 0x7f0a_1b2c_3d4eL;
        assertEquals(JumpKind.ABS64, CodeWriter.siteJump(site, target));
        assertArrayEquals(hex("ff 25 00 00 00 00 4e 3d 2c 1b 0a 7f 00 00"), CodeWriter.jumpAt(site, JumpKind.ABS64, target, 14));
        assertEquals(JumpKind.ABS64, CodeWriter.siteJump(target, site));
        assertArrayEquals(hex("ff 25 00 00 00 00 00 10 40 00 00 00 00 00"), CodeWriter.jumpAt(target, JumpKind.ABS64, site, 14));
        // Every byte of the address, top bit included.
        assertArrayEquals(hex("ff 25 00 00 00 00 08 07 06 05 04 03 02 81"),
                CodeWriter.jumpAt(site, JumpKind.ABS64, 0x8102030405060708L, 14));
    }

    @Test
    void abs64DoesNotDependOnTheSite() {
        long target = 0x7f00_0000_1000L;
        assertArrayEquals(CodeWriter.jumpAt(0x401000, JumpKind.ABS64, target, 14),
                CodeWriter.jumpAt(0x7fff_0000_0000L, JumpKind.ABS64, target, 14));
    }

    @Test
    void paddedWithInt3() {
        assertArrayEquals(hex("e9 c5 00 00 00 cc cc cc"), CodeWriter.jumpAt(SITE, JumpKind.REL32, 0x401200, 8));
        assertArrayEquals(hex("e9 c5 00 00 00 cc cc cc cc cc cc cc cc cc cc cc"),
                CodeWriter.jumpAt(SITE, JumpKind.REL32, 0x401200, 16));
        assertArrayEquals(hex("ff 25 00 00 00 00 4e 3d 2c 1b 0a 7f 00 00 cc cc"),
                CodeWriter.jumpAt(SITE, JumpKind.ABS64, 0x7f0a_1b2c_3d4eL, 16));
    }

    @Test
    void rel32RoundTripsForRandomPairsInReach() {
        Random rnd = new Random(20240601L);
        for (int i = 0; i < 2000; i++) {
            long site = 0x10000L + (rnd.nextLong() & 0x7fff_ffff_ffffL);
            long disp = rnd.nextInt();
            long target = site + 5 + disp;
            assertEquals(JumpKind.REL32, CodeWriter.siteJump(site, target));
            byte[] b = CodeWriter.jumpAt(site, JumpKind.REL32, target, 5);
            assertEquals((byte) 0xe9, b[0]);
            int decoded = (b[1] & 0xff) | (b[2] & 0xff) << 8 | (b[3] & 0xff) << 16 | (b[4] & 0xff) << 24;
            assertEquals(target, site + 5 + decoded);
            long far = site + 5 + (disp >= 0 ? disp + (1L << 31) : disp - (1L << 31) - 1);
            assertEquals(JumpKind.ABS64, CodeWriter.siteJump(site, far), () -> Long.toHexString(far));
        }
    }
}
