package tfix.engine.patch;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import tfix.engine.elf.ElfImage;
import tfix.engine.elf.Symbol;
import tfix.engine.x86.BranchScanner;
import tfix.engine.x86.CodeWriter;
import tfix.engine.x86.Instruction;
import tfix.engine.x86.X86Decoder;

/**
 * How many functions of Debian's redis-server the write without stopping threads can take: first instruction of 2
 * bytes or more at an even site, and a pad in reach (its file as the planner would see it in a process, with no pad
 * used yet). Prints the figures the README quotes; asserts only that they add up.
 */
class ShortJumpCensusTest {
    private static final Path REDIS = Path.of("/usr/bin/redis-server");

    @Test
    void redisServersFunctionsThatTakeA2ByteJumpToAPad() {
        assumeTrue(Files.exists(REDIS), "redis-server is not installed");
        ElfImage image = ElfImage.read(REDIS);
        BranchIndex index = BranchIndex.build(image, new BranchScanner());
        List<Symbol> functions = new ArrayList<>(image.symbols().stream().filter(s -> s.isFunction() && s.size() >= 2)
                .toList());
        functions.sort(Comparator.comparingLong(Symbol::value));
        int all = 0, longFirst = 0, even = 0, padded = 0;
        try (X86Decoder decoder = new X86Decoder()) {
            PadFinder finder = new PadFinder(decoder);
            for (Symbol f : functions.stream().map(s -> s).distinct().toList()) {
                all++;
                byte[] head = image.bytesAt(f.value(), (int) Math.min(f.size(), 20));
                int offset = CodeWriter.startsWithEndbr64(head) ? CodeWriter.endbr64Length() : 0;
                List<Instruction> first = decoder.decode(Arrays.copyOfRange(head, offset, head.length), f.value() + offset);
                if (first.isEmpty() || first.get(0).size() < 2) {
                    continue;
                }
                longFirst++;
                long site = f.value() + offset;
                if ((site & 1) != 0) {
                    continue;
                }
                even++;
                if (finder.find(site, area(image, index, functions, site)).ok()) {
                    padded++;
                }
            }
        }
        System.out.printf("redis-server: %d functions; first instruction >= 2 bytes: %d (%.0f%%); also an even site: %d;"
                + " also a pad in reach: %d (%.0f%%)%n", all, longFirst, 100.0 * longFirst / all, even, padded,
                100.0 * padded / all);
        assertTrue(all > 1000 && longFirst <= all && even <= longFirst && padded <= even && padded > 0);
    }

    /** What PadSurvey gathers in a process, from the file (link addresses). */
    private static PadArea area(ElfImage image, BranchIndex index, List<Symbol> functions, long site) {
        long lo = site - 136, hi = site + 136;
        List<long[]> symbols = new ArrayList<>();
        List<PadGap> gaps = new ArrayList<>();
        for (Symbol s : functions) {
            long end = s.value() + s.size();
            if (end < lo || s.value() > hi) {
                continue;
            }
            symbols.add(new long[] {s.value(), end});
            if (end > hi || s.size() > 1 << 16) {
                continue;
            }
            long limit = Math.min(image.nextSymbolAfter(s.value()), (end + 15) & ~15L);
            if (limit - end < 5) {
                continue;
            }
            List<Long> targets = index.into(end, limit).stream().map(BranchIndex.Edge::target).toList();
            gaps.add(new PadGap(end, image.bytesAt(end, (int) (limit - end)), s.value(),
                    image.bytesAt(s.value(), (int) s.size()), targets));
        }
        return new PadArea(gaps, symbols, 0, Long.MAX_VALUE, Set.of());
    }
}
