package tfix.engine.patch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import tfix.engine.elf.ElfImage;
import tfix.engine.x86.Instruction;
import tfix.engine.x86.X86Decoder;

/**
 * Every direct branch in a module's code, by target: answers "does anything jump into
 * these bytes?" for static functions, whose callers are all in the same module. Built
 * only for modules small enough to decode quickly.
 */
public final class BranchIndex {
    /** Larger code is not swept: the function's own branches are still checked. */
    public static final long MAX_CODE = 1 << 20;
    private final long[] targets;
    private final Instruction[] branches;

    private BranchIndex(List<Instruction> found) {
        found.sort((a, b) -> Long.compare(a.branchTarget().getAsLong(), b.branchTarget().getAsLong()));
        this.branches = found.toArray(new Instruction[0]);
        this.targets = found.stream().mapToLong(i -> i.branchTarget().getAsLong()).toArray();
    }

    /** Sweeps the executable segments (link-time addresses); null when the code is too large. */
    public static BranchIndex build(ElfImage image, X86Decoder decoder) {
        long total = image.segments().stream().filter(ElfImage.Segment::executable).mapToLong(ElfImage.Segment::filesz).sum();
        if (total > MAX_CODE) {
            return null;
        }
        List<Instruction> found = new ArrayList<>();
        for (ElfImage.Segment s : image.segments()) {
            if (!s.executable()) {
                continue;
            }
            byte[] code = image.fileBytes(s.offset(), (int) s.filesz());
            int at = 0;
            while (at < code.length) {
                int chunk = Math.min(code.length - at, 64 * 1024);
                List<Instruction> insns = decoder.decode(Arrays.copyOfRange(code, at, at + chunk), s.vaddr() + at);
                int used = 0;
                for (Instruction i : insns) {
                    // The last instruction of a chunk may be cut: decode it again with the next chunk.
                    if (at + chunk < code.length && i.end() - s.vaddr() > at + chunk - 16) {
                        break;
                    }
                    if (i.branchTarget().isPresent()) {
                        found.add(i);
                    }
                    used = (int) (i.end() - (s.vaddr() + at));
                }
                at += used == 0 ? 1 : used; // skip a byte that does not decode
            }
        }
        return new BranchIndex(found);
    }

    /** Branches whose target lies in [from, to), in link-time addresses. */
    public List<Instruction> into(long from, long to) {
        int i = Arrays.binarySearch(targets, from);
        i = i >= 0 ? i : -i - 1;
        while (i > 0 && targets[i - 1] == from) {
            i--;
        }
        List<Instruction> out = new ArrayList<>();
        for (; i < targets.length && targets[i] < to; i++) {
            out.add(branches[i]);
        }
        return out;
    }
}
