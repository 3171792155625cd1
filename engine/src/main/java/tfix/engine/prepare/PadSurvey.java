package tfix.engine.prepare;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import tfix.engine.elf.FunctionRef;
import tfix.engine.elf.LoadedModule;
import tfix.engine.elf.Symbol;
import tfix.engine.failure.TfixException;
import tfix.engine.patch.BranchIndex;
import tfix.engine.patch.BranchIndexCache;
import tfix.engine.patch.PadArea;
import tfix.engine.patch.PadFinder;
import tfix.engine.patch.PadGap;
import tfix.engine.patch.Planner;
import tfix.engine.process.MemoryMap;
import tfix.engine.process.ProcMemory;

/**
 * Gathers what {@link tfix.engine.patch.PadFinder} needs around a function's entry: the gaps after the functions
 * that end within a 2-byte jump's reach (each up to the next symbol or 16-byte boundary: in a file without every
 * symbol, a static function may start at the boundary), the symbols there, the site's executable text, the direct
 * branches into the gaps. Reads only.
 */
final class PadSurvey {
    /** A rel8 reaches 128 bytes back and 127 on from the end of the 2-byte jump; a site may follow an endbr64. */
    private static final int REACH = 128 + 8;
    /** Longer functions are not decoded to see their last instruction: their gap is left out. */
    private static final int LONGEST = 1 << 16;
    private final ProcMemory memory;
    private final BranchIndexCache branchIndexes;

    PadSurvey(ProcMemory memory, BranchIndexCache branchIndexes) {
        this.memory = memory;
        this.branchIndexes = branchIndexes;
    }

    /** {@code target}: the new function, for pads of earlier patches that lead to it already. */
    PadArea survey(FunctionRef old, Set<Long> used, long target) {
        LoadedModule m = old.module();
        long site = old.address();
        MemoryMap text = m.mappings().stream().filter(x -> x.contains(site)).findFirst().orElse(null);
        if (text == null || !text.executable() || !text.isFile()) {
            return PadArea.none();
        }
        long lo = site - REACH, hi = site + REACH;
        List<long[]> symbols = new ArrayList<>();
        List<PadGap> gaps = new ArrayList<>();
        BranchIndex index = branchIndexes.get(SiteSurvey.identity(m), m.image());
        for (Symbol s : m.symbols()) {
            long start = m.bias() + s.value(), end = start + s.size();
            if (s.size() <= 0 || end < lo || start > hi) {
                continue;
            }
            symbols.add(new long[] {start, end});
            if (end < lo || end > hi || s.size() > LONGEST) {
                continue;
            }
            long limit = Math.min(m.bias() + m.nextSymbolAfter(s.value()), (end + 15) & ~15L);
            limit = Math.min(limit, text.end());
            if (limit - end < 5) {
                continue;
            }
            try {
                byte[] code = m.image().bytesAt(s.value(), (int) s.size());
                byte[] bytes = memory.read(end, (int) (limit - end));
                List<Long> targets = index.into(s.value() + s.size(), limit - m.bias()).stream()
                        .map(e -> m.bias() + e.target()).toList();
                gaps.add(new PadGap(end, bytes, start, code, targets));
            } catch (TfixException | java.io.UncheckedIOException e) {
                // a gap that cannot be read is no candidate
            }
        }
        return new PadArea(gaps, symbols, text.start(), text.end(), used, ready(used, lo, hi, target));
    }

    /** Used pads near the site whose jump reaches {@code target}, straight or through a trampoline that does. */
    private List<long[]> ready(Set<Long> used, long lo, long hi, long target) {
        List<long[]> out = new ArrayList<>();
        for (long u : used) {
            if (u < lo || u > hi) {
                continue;
            }
            try {
                byte[] b = memory.read(u, PadFinder.PAD);
                if ((b[0] & 0xff) != 0xe9) {
                    continue;
                }
                long dest = u + PadFinder.PAD + ByteBuffer.wrap(b, 1, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
                byte[] slot = Planner.trampolineCode(dest, target);
                if (dest == target) {
                    out.add(new long[] {u, 0});
                } else if (Arrays.equals(memory.read(dest, slot.length), slot)) {
                    out.add(new long[] {u, dest});
                }
            } catch (TfixException | java.io.UncheckedIOException e) {
                // not readable: not a pad to reuse
            }
        }
        return out;
    }
}
