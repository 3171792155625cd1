package tfix.engine.inspect;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

import tfix.engine.x86.CodeWriter;
import tfix.engine.x86.Instruction;
import tfix.engine.x86.RipOperand;
import tfix.engine.x86.X86Decoder;

/**
 * The {@code disas} listing: each instruction with its bytes; call and jump targets and RIP-relative operands
 * named ({@code <name>}, {@code <var+0x8>}, with the library when it is another file's); {@code =>} marks the
 * instruction a thread is at now.
 */
final class Disassembly {
    private final X86Decoder decoder;
    private final AddressNames names;

    Disassembly(X86Decoder decoder, AddressNames names) {
        this.decoder = decoder;
        this.names = names;
    }

    /** {@code threadsAt}: each thread's instruction pointer, by thread id. */
    List<String> lines(byte[] code, long address, Map<Integer, Long> threadsAt) {
        TreeMap<Long, List<Integer>> at = new TreeMap<>();
        threadsAt.forEach((tid, rip) -> at.computeIfAbsent(rip, k -> new ArrayList<>()).add(tid));
        String home = names.at(address).map(n -> n.module().fileName()).orElse(null);
        List<String> out = new ArrayList<>();
        for (Instruction i : decoder.decode(code, address)) {
            byte[] b = Arrays.copyOfRange(code, (int) (i.address() - address), (int) (i.end() - address));
            // A thread stopped inside an instruction's bytes cannot be; one at its start is about to run it.
            List<Integer> here = new ArrayList<>();
            at.subMap(i.address(), true, i.end(), false).values().forEach(here::addAll);
            String text = String.format("%s %#014x  %-30s %s %s%s", here.isEmpty() ? "  " : "=>", i.address(), CodeWriter.hex(b),
                    i.mnemonic(), i.operands(), annotation(i, home)).stripTrailing();
            if (!here.isEmpty()) {
                text += "   <= thread " + String.join(", ", here.stream().sorted().map(String::valueOf).toList());
            }
            out.add(text);
        }
        return out;
    }

    private String annotation(Instruction i, String home) {
        OptionalLong branch = i.branchTarget();
        if (branch.isPresent()) {
            return name(branch.getAsLong(), home, false);
        }
        OptionalLong rip = RipOperand.target(i);
        if (rip.isPresent()) {
            return String.format("  # %#x%s", rip.getAsLong(), name(rip.getAsLong(), home, true));
        }
        return "";
    }

    /** " <name>" (" <name+0x10>" inside it, always with the offset for data), "" when no symbol covers it. */
    private String name(long target, String home, boolean data) {
        Optional<AddressNames.Named> n = names.at(target);
        if (n.isEmpty()) {
            return "";
        }
        String lib = n.get().module().fileName().equals(home) ? "" : n.get().module().fileName() + "!";
        return " <" + lib + (data ? n.get().withOffset() : n.get().compact()) + ">";
    }
}
