package tfix.engine.inspect;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import tfix.engine.process.Maps;
import tfix.engine.process.MemoryMap;
import tfix.engine.process.ProcMemory;
import tfix.engine.x86.Instruction;
import tfix.engine.x86.X86Decoder;

/**
 * Whether an address could be a return address: it lies in an executable mapping and the bytes just before
 * it decode as one whole call instruction ending there (a direct call is 5 bytes, an indirect one 2 to 9 with
 * prefixes such as notrack or bnd).
 */
final class CallSites {
    private static final int LONGEST_CALL = 9; // ff /2 with SIB and disp32 (7), a REX (8), a notrack or bnd prefix (9)
    private final Maps maps;
    private final ProcMemory memory;
    private final X86Decoder decoder;
    private final Map<Long, Boolean> known = new HashMap<>();

    CallSites(Maps maps, ProcMemory memory, X86Decoder decoder) {
        this.maps = maps;
        this.memory = memory;
        this.decoder = decoder;
    }

    boolean followsCall(long address) {
        return known.computeIfAbsent(address, this::check);
    }

    private boolean check(long address) {
        MemoryMap m = maps.find(address).orElse(null);
        if (m == null || !m.executable() || address - LONGEST_CALL < m.start()) {
            return false;
        }
        byte[] before;
        try {
            before = memory.read(address - LONGEST_CALL, LONGEST_CALL);
        } catch (RuntimeException e) {
            return false;
        }
        for (int k = 2; k <= LONGEST_CALL; k++) {
            byte[] tail = java.util.Arrays.copyOfRange(before, LONGEST_CALL - k, LONGEST_CALL);
            List<Instruction> is = decoder.decode(tail, address - k);
            if (is.size() == 1 && is.get(0).size() == k && is.get(0).mnemonic().endsWith("call")) {
                return true;
            }
        }
        return false;
    }
}
