package tfix.engine.patch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HexFormat;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** The exact bytes of the jump written at a patch site. */
class JumpEncoderTest {
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
        assertEquals(JumpKind.REL32, JumpEncoder.choose(SITE, 0x401200));
        assertArrayEquals(hex("e9 c5 00 00 00"), JumpEncoder.encode(JumpKind.REL32, SITE, 0x401200, 5));
        // 0x12345678 + 5 bytes past the site: every displacement byte distinct, little-endian.
        assertArrayEquals(hex("e9 78 56 34 12"), JumpEncoder.encode(JumpKind.REL32, SITE, SITE + 5 + 0x12345678, 5));
    }

    @Test
    void rel32Backwards() {
        // 0x400000 - 0x40113b = -0x113b = 0xffffeec5
        assertEquals(JumpKind.REL32, JumpEncoder.choose(SITE, 0x400000));
        assertArrayEquals(hex("e9 c5 ee ff ff"), JumpEncoder.encode(JumpKind.REL32, SITE, 0x400000, 5));
        // A jump to itself: -5.
        assertArrayEquals(hex("e9 fb ff ff ff"), JumpEncoder.encode(JumpKind.REL32, SITE, SITE, 5));
        // To the next instruction: 0.
        assertArrayEquals(hex("e9 00 00 00 00"), JumpEncoder.encode(JumpKind.REL32, SITE, SITE + 5, 5));
    }

    @Test
    void reachBoundary() {
        long site = 0x5555_5555_0000L;
        long farthest = site + 5 + Integer.MAX_VALUE;
        long nearestBack = site + 5 + Integer.MIN_VALUE;
        assertEquals(JumpKind.REL32, JumpEncoder.choose(site, farthest));
        assertArrayEquals(hex("e9 ff ff ff 7f"), JumpEncoder.encode(JumpKind.REL32, site, farthest, 5));
        assertEquals(JumpKind.ABS64, JumpEncoder.choose(site, farthest + 1));

        assertEquals(JumpKind.REL32, JumpEncoder.choose(site, nearestBack));
        assertArrayEquals(hex("e9 00 00 00 80"), JumpEncoder.encode(JumpKind.REL32, site, nearestBack, 5));
        assertEquals(JumpKind.ABS64, JumpEncoder.choose(site, nearestBack - 1));
    }

    @Test
    void farTargetsTakeAbs64() {
        // A library at the top of user space patched from a non-PIE executable.
        long site = 0x401000L;
        long target = 0x7f0a_1b2c_3d4eL;
        assertEquals(JumpKind.ABS64, JumpEncoder.choose(site, target));
        assertArrayEquals(hex("ff 25 00 00 00 00 4e 3d 2c 1b 0a 7f 00 00"), JumpEncoder.encode(JumpKind.ABS64, site, target, 14));
        assertEquals(JumpKind.ABS64, JumpEncoder.choose(target, site));
        assertArrayEquals(hex("ff 25 00 00 00 00 00 10 40 00 00 00 00 00"), JumpEncoder.encode(JumpKind.ABS64, target, site, 14));
        // Every byte of the address, top bit included.
        assertArrayEquals(hex("ff 25 00 00 00 00 08 07 06 05 04 03 02 81"),
                JumpEncoder.encode(JumpKind.ABS64, site, 0x8102030405060708L, 14));
    }

    @Test
    void abs64DoesNotDependOnTheSite() {
        long target = 0x7f00_0000_1000L;
        assertArrayEquals(JumpEncoder.encode(JumpKind.ABS64, 0x401000, target, 14),
                JumpEncoder.encode(JumpKind.ABS64, 0x7fff_0000_0000L, target, 14));
    }

    @Test
    void paddedWithInt3() {
        assertArrayEquals(hex("e9 c5 00 00 00 cc cc cc"), JumpEncoder.encode(JumpKind.REL32, SITE, 0x401200, 8));
        assertArrayEquals(hex("e9 c5 00 00 00 cc cc cc cc cc cc cc cc cc cc cc"),
                JumpEncoder.encode(JumpKind.REL32, SITE, 0x401200, 16));
        assertArrayEquals(hex("ff 25 00 00 00 00 4e 3d 2c 1b 0a 7f 00 00 cc cc"),
                JumpEncoder.encode(JumpKind.ABS64, SITE, 0x7f0a_1b2c_3d4eL, 16));
    }

    @Test
    void rel32RoundTripsForRandomPairsInReach() {
        Random rnd = new Random(20240601L);
        for (int i = 0; i < 2000; i++) {
            long site = 0x10000L + (rnd.nextLong() & 0x7fff_ffff_ffffL);
            long disp = rnd.nextInt();
            long target = site + 5 + disp;
            assertEquals(JumpKind.REL32, JumpEncoder.choose(site, target));
            byte[] b = JumpEncoder.encode(JumpKind.REL32, site, target, 5);
            assertEquals((byte) 0xe9, b[0]);
            int decoded = (b[1] & 0xff) | (b[2] & 0xff) << 8 | (b[3] & 0xff) << 16 | (b[4] & 0xff) << 24;
            assertEquals(target, site + 5 + decoded);
            long far = site + 5 + (disp >= 0 ? disp + (1L << 31) : disp - (1L << 31) - 1);
            assertEquals(JumpKind.ABS64, JumpEncoder.choose(site, far), () -> Long.toHexString(far));
        }
    }
}
