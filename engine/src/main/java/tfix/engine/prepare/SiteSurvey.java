package tfix.engine.prepare;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import tfix.engine.elf.FunctionRef;
import tfix.engine.elf.LoadedModule;
import tfix.engine.failure.TfixException;
import tfix.engine.patch.BranchIndex;
import tfix.engine.patch.SiteRequest;
import tfix.engine.process.ProcMemory;
import tfix.engine.x86.Instruction;
import tfix.engine.x86.X86Decoder;

/**
 * Gathers what the planner needs about a function: its bytes in the file and in the
 * process, the padding after it, relocations near it, and (for static functions)
 * branches into it from the rest of its module. Reads only.
 */
public final class SiteSurvey {
    /** How far past the entry the facts reach: beyond any jump plus a trailing instruction. */
    static final int WINDOW = 48;
    private final ProcMemory memory;
    private final X86Decoder decoder;
    private final Map<String, BranchIndex> branchIndexes;

    public SiteSurvey(ProcMemory memory, X86Decoder decoder, Map<String, BranchIndex> branchIndexes) {
        this.memory = memory;
        this.decoder = decoder;
        this.branchIndexes = branchIndexes;
    }

    public SiteRequest survey(FunctionRef old, String targetName, String targetModule, long target) {
        LoadedModule m = old.module();
        long size = old.size();
        long link = old.symbol().value();
        int want = (int) Math.min(Math.max(size, WINDOW), 1 << 20);
        byte[] file;
        try {
            file = m.image().bytesAt(link, want);
        } catch (TfixException e) {
            file = m.image().bytesAt(link, (int) Math.max(size, 1));
        }
        long mapEnd = m.mappings().stream().filter(x -> x.contains(old.address())).findFirst()
                .map(x -> x.end()).orElse(old.address() + WINDOW);
        byte[] current = memory.read(old.address(), (int) Math.min(Math.min(WINDOW, file.length), mapEnd - old.address()));

        long end = link + size;
        long limit = Math.min(m.image().nextSymbolAfter(link), (end + 15) & ~15L);
        List<Long> relocs = new ArrayList<>();
        for (long r : m.image().relocationOffsets()) {
            if (r >= link && r < link + WINDOW) {
                relocs.add(m.bias() + r);
            }
        }
        List<Instruction> foreign = new ArrayList<>();
        if (old.symbol().isLocal()) {
            BranchIndex index = branchIndexes.computeIfAbsent(m.path() + "#" + System.identityHashCode(m.image()),
                    k -> BranchIndex.build(m.image(), decoder));
            if (index == null) {
                foreign = null; // too much code to sweep: the plan says so
            } else {
                for (Instruction i : index.into(link, link + WINDOW)) {
                    if (i.address() < link || i.address() >= end) {
                        long t = i.branchTarget().getAsLong();
                        foreign.add(new Instruction(m.bias() + i.address(), i.size(), i.mnemonic(),
                                String.format("%#x", m.bias() + t), OptionalLong.of(m.bias() + t)));
                    }
                }
            }
        }
        return new SiteRequest(old.displayName(), m.path(), old.address(), size, file, current, targetName, targetModule,
                target, m.bias() + limit, relocs, foreign, 0, null);
    }
}
