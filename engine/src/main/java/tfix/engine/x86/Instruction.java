package tfix.engine.x86;

import java.util.OptionalLong;

/** One decoded instruction; branchTarget is set for direct jumps and calls. */
public record Instruction(long address, int size, String mnemonic, String operands, OptionalLong branchTarget) {

    public long end() {
        return address + size;
    }

    /** Ends straight-line execution: nothing after it runs from here. */
    public boolean endsFlow() {
        return mnemonic.equals("ret") || mnemonic.equals("jmp") || mnemonic.equals("ud2") || mnemonic.equals("hlt")
                || mnemonic.startsWith("ret");
    }

    @Override
    public String toString() {
        return String.format("%#x: %s %s", address, mnemonic, operands).trim();
    }
}
