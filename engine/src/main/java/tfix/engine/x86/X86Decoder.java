package tfix.engine.x86;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.regex.Pattern;

import capstone.Capstone;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/**
 * x86-64 decoding through Capstone (Debian's libcapstone4, via the JNA binding). Capstone is bound on the first
 * decode, not when the engine is made: status, verify and revert never decode, and JNA with Capstone is a
 * noticeable part of a cold command's start.
 */
public final class X86Decoder implements AutoCloseable {
    private static final Pattern ADDRESS = Pattern.compile("0x[0-9a-f]+");
    private Capstone cs;
    private boolean closed;

    public X86Decoder() {
    }

    /** Capstone, bound on first use; the caller holds this decoder's lock. */
    private Capstone capstone() {
        if (cs == null) {
            if (closed) {
                throw new IllegalStateException("decoder closed");
            }
            try {
                cs = new Capstone(Capstone.CS_ARCH_X86, Capstone.CS_MODE_64);
            } catch (UnsatisfiedLinkError e) {
                throw new TfixException(Reason.UNSUPPORTED, "cannot load the Capstone disassembler: install it with `apt-get install -y libcapstone4`");
            }
        }
        return cs;
    }

    /** Decodes until the bytes end or an undecodable byte is met. */
    public List<Instruction> decode(byte[] code, long address) {
        List<Instruction> out = new ArrayList<>();
        Capstone.CsInsn[] insns;
        synchronized (this) {
            insns = capstone().disasm(code, address);
        }
        if (insns == null) {
            return out;
        }
        for (Capstone.CsInsn i : insns) {
            out.add(new Instruction(i.address, i.size, i.mnemonic, i.opStr, branchTarget(i.mnemonic, i.opStr)));
        }
        return out;
    }

    private static OptionalLong branchTarget(String mnemonic, String ops) {
        boolean branch = mnemonic.startsWith("j") || mnemonic.equals("call") || mnemonic.startsWith("loop");
        if (branch && ADDRESS.matcher(ops).matches()) {
            return OptionalLong.of(Long.parseUnsignedLong(ops.substring(2), 16));
        }
        return OptionalLong.empty();
    }

    public String describe(byte[] code, long address) {
        StringBuilder sb = new StringBuilder();
        for (Instruction i : decode(code, address)) {
            if (sb.length() > 0) {
                sb.append("; ");
            }
            sb.append((i.mnemonic() + " " + i.operands()).trim());
        }
        return sb.toString();
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (cs != null) {
            cs.close();
            cs = null;
        }
    }
}
