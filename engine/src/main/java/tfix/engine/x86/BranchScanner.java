package tfix.engine.x86;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/**
 * Decodes a whole module's code with Capstone and reports every direct branch in it.
 *
 * <p>Capstone does the decoding (x86 is not self-synchronising, so no opcode scan of our own
 * could be trusted to find instruction boundaries). Only the glue differs from {@link X86Decoder}:
 * the Java binding builds a JNA structure per instruction, about 50 µs each, which makes libc
 * take over ten seconds; here the instruction array Capstone returns is copied out in one read
 * and its fields are taken at their fixed offsets, so libc takes well under a second.
 */
public final class BranchScanner implements AutoCloseable {
    /** Receives each direct branch found: the instruction's address and its target. */
    @FunctionalInterface
    public interface Sink {
        void branch(long source, long target);
    }

    /** What a scan went through: instructions decoded, and bytes stepped over one by one because nothing decodes there. */
    public record Totals(long instructions, long undecodedBytes) {
    }

    /** The subset of Capstone's C API used here (csh and size_t are 64-bit on x86-64). */
    public interface CapstoneApi extends Library {
        int cs_open(int arch, int mode, LongByReference handle);

        long cs_disasm(long handle, Pointer code, long size, long address, long count, PointerByReference insn);

        void cs_free(Pointer insn, long count);

        int cs_close(LongByReference handle);
    }

    // cs_insn of Capstone 4: id u32 @0, address u64 @8, size u16 @16, bytes[16] @18, mnemonic[32] @34,
    // op_str[160] @66, detail pointer @232; 240 bytes. Checked against a known decoding when opened.
    private static final int INSN = 240;
    private static final int ADDRESS = 8;
    private static final int SIZE = 16;
    private static final int MNEMONIC = 34;
    private static final int OP_STR = 66;
    /** Instructions per native call: bounds the array Capstone allocates. */
    private static final int BATCH = 4096;
    private final CapstoneApi cs;
    private final long handle;

    public BranchScanner() {
        try {
            cs = Native.load("capstone", CapstoneApi.class);
        } catch (UnsatisfiedLinkError e) {
            throw new TfixException(Reason.UNSUPPORTED, "cannot load the Capstone disassembler: install it with `apt-get install -y libcapstone4`");
        }
        LongByReference h = new LongByReference();
        if (cs.cs_open(3 /* CS_ARCH_X86 */, 8 /* CS_MODE_64 */, h) != 0) {
            throw new TfixException(Reason.UNSUPPORTED, "Capstone refused x86-64 mode: reinstall libcapstone4");
        }
        handle = h.getValue();
        checkLayout();
    }

    /** Two known instructions must come back at the offsets assumed above, else another Capstone ABI is installed. */
    private void checkLayout() {
        long[] seen = new long[4];
        int[] n = {0};
        // nop; jmp +0 (to 0x1003); call 0x1000
        scan(new byte[] {(byte) 0x90, (byte) 0xeb, 0x00, (byte) 0xe8, (byte) 0xf8, (byte) 0xff, (byte) 0xff, (byte) 0xff},
                0x1000, new long[] {0x1000}, (s, t) -> {
                    if (n[0] < 2) {
                        seen[n[0] * 2] = s;
                        seen[n[0] * 2 + 1] = t;
                    }
                    n[0]++;
                });
        if (n[0] != 2 || seen[0] != 0x1001 || seen[1] != 0x1003 || seen[2] != 0x1003 || seen[3] != 0x1000) {
            throw new TfixException(Reason.UNSUPPORTED, "the installed Capstone is not the version 4 ABI tfix reads:"
                    + " install libcapstone4 (`apt-get install -y libcapstone4`)");
        }
    }

    /**
     * Decodes {@code code} (placed at {@code address}) linearly from each sync point to the next
     * (the last runs to the end), stepping over a byte that does not decode. Sync points are
     * places where an instruction is known to start (symbol starts and ends); they keep an
     * undecodable stretch, such as data in code, from misaligning the rest.
     */
    public synchronized Totals scan(byte[] code, long address, long[] syncPoints, Sink sink) {
        if (code.length == 0) {
            return new Totals(0, 0);
        }
        Memory mem = new Memory(code.length);
        mem.write(0, code, 0, code.length);
        PointerByReference out = new PointerByReference();
        long decoded = 0;
        long undecoded = 0;
        for (int k = 0; k < syncPoints.length; k++) {
            long from = Math.max(syncPoints[k] - address, 0);
            long to = k + 1 < syncPoints.length ? Math.min(syncPoints[k + 1] - address, code.length) : code.length;
            long at = from;
            while (at < to) {
                long count = cs.cs_disasm(handle, mem.share(at), to - at, address + at, BATCH, out);
                if (count == 0) {
                    // Capstone 4 knows no AVX-512 mask instructions: step over a VEX/EVEX one whole;
                    // anything else that does not decode (data, padding) is stepped over a byte at a time.
                    int len = VexLength.at(code, (int) at, (int) to);
                    undecoded += len == 0 ? 1 : 0;
                    at += len == 0 ? 1 : len;
                    continue;
                }
                Pointer insns = out.getValue();
                try {
                    ByteBuffer b = insns.getByteBuffer(0, count * INSN).order(ByteOrder.LITTLE_ENDIAN);
                    for (int i = 0; i < count; i++) {
                        report(b, i * INSN, sink);
                    }
                    int last = (int) (count - 1) * INSN;
                    at = b.getLong(last + ADDRESS) + (b.getShort(last + SIZE) & 0xffff) - address;
                } finally {
                    cs.cs_free(insns, count);
                }
                decoded += count;
            }
        }
        return new Totals(decoded, undecoded);
    }

    private static void report(ByteBuffer b, int base, Sink sink) {
        String mnemonic = cString(b, base + MNEMONIC, 32);
        if (!isDirectBranch(mnemonic)) {
            return;
        }
        String ops = cString(b, base + OP_STR, 160);
        if (ops.length() > 2 && ops.length() <= 18 && ops.startsWith("0x")) {
            try {
                sink.branch(b.getLong(base + ADDRESS), Long.parseUnsignedLong(ops.substring(2), 16));
            } catch (NumberFormatException e) {
                // an operand that is not a plain address ("0x10(%rip)"...): not a direct branch
            }
        }
    }

    /** Jumps, calls, loops and xbegin, with or without a bnd/notrack prefix; the operand decides if it is direct. */
    static boolean isDirectBranch(String mnemonic) {
        String m = mnemonic.startsWith("bnd ") ? mnemonic.substring(4) : mnemonic;
        m = m.startsWith("notrack ") ? m.substring(8) : m;
        return m.startsWith("j") || m.equals("call") || m.startsWith("loop") || m.equals("xbegin");
    }

    private static String cString(ByteBuffer b, int at, int max) {
        int n = 0;
        while (n < max && b.get(at + n) != 0) {
            n++;
        }
        byte[] s = new byte[n];
        b.get(at, s);
        return new String(s, StandardCharsets.US_ASCII);
    }

    @Override
    public synchronized void close() {
        cs.cs_close(new LongByReference(handle));
    }
}
