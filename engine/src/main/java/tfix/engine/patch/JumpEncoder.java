package tfix.engine.patch;

/** Encodes the jump written at a patch site. */
public final class JumpEncoder {
    private JumpEncoder() {
    }

    public static JumpKind choose(long site, long target) {
        long disp = target - (site + JumpKind.REL32.length);
        return disp == (int) disp ? JumpKind.REL32 : JumpKind.ABS64;
    }

    /** The jump from {@code site} to {@code target}, padded with int3 to {@code length} bytes. */
    public static byte[] encode(JumpKind kind, long site, long target, int length) {
        byte[] b = new byte[length];
        java.util.Arrays.fill(b, (byte) 0xcc);
        if (kind == JumpKind.REL32) {
            int disp = (int) (target - (site + 5));
            b[0] = (byte) 0xe9;
            putLE(b, 1, disp, 4);
        } else {
            b[0] = (byte) 0xff;
            b[1] = 0x25;
            putLE(b, 2, 0, 4);
            putLE(b, 6, target, 8);
        }
        return b;
    }

    private static void putLE(byte[] b, int at, long v, int n) {
        for (int i = 0; i < n; i++) {
            b[at + i] = (byte) (v >>> (8 * i));
        }
    }
}
