package tfix.engine.patch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

import tfix.engine.elf.ElfImage;
import tfix.engine.elf.Symbol;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.x86.BranchScanner;

/**
 * Every direct branch in a module's code, by target: answers "does anything in this module
 * jump into these bytes?" for any function, exported or static, at any module size.
 *
 * <p>Each branch is one long: its target's offset from the module's first code byte in the
 * high 32 bits, its source's offset in the low 32, sorted. Eight bytes a branch (libc has
 * about 67,000) instead of an object with strings; a range query is a binary search.
 */
public final class BranchIndex {
    /** A direct branch, in link-time addresses. */
    public record Edge(long source, long target) {
    }

    private final long base;
    private final long[] packed;
    private final long instructions;
    private final long undecodedBytes;
    private final double buildMillis;

    private BranchIndex(long base, long[] packed, long instructions, long undecodedBytes, double buildMillis) {
        this.base = base;
        this.packed = packed;
        this.instructions = instructions;
        this.undecodedBytes = undecodedBytes;
        this.buildMillis = buildMillis;
    }

    /**
     * Decodes the module's code linearly, resynchronising at every function symbol's start
     * and end (so a function's own range is decoded from its entry, and each gap between
     * functions from where the previous one ends), and keeps the branches that land in code.
     */
    public static BranchIndex build(ElfImage image, BranchScanner scanner) {
        long start = System.nanoTime();
        List<ElfImage.CodeRange> ranges = image.codeRanges();
        if (ranges.isEmpty()) {
            return new BranchIndex(0, new long[0], 0, 0, 0);
        }
        long base = ranges.stream().mapToLong(ElfImage.CodeRange::vaddr).min().getAsLong();
        long end = ranges.stream().mapToLong(r -> r.vaddr() + r.size()).max().getAsLong();
        if (end - base >= 1L << 31) {
            throw new TfixException(Reason.UNSUPPORTED, String.format("%s has %d MiB of code: over the 2 GiB tfix indexes",
                    image.file(), (end - base) >> 20));
        }
        Packed found = new Packed();
        long decoded = 0;
        long undecoded = 0;
        for (ElfImage.CodeRange r : ranges) {
            byte[] code = image.fileBytes(r.offset(), (int) r.size());
            BranchScanner.Totals t = scanner.scan(code, r.vaddr(), syncPoints(image, r), (source, target) -> {
                if (target >= base && target < end) { // elsewhere is no code of this module: nothing to patch there
                    found.add((target - base) << 32 | (source - base));
                }
            });
            decoded += t.instructions();
            undecoded += t.undecodedBytes();
        }
        long[] packed = Arrays.copyOf(found.values, found.size);
        Arrays.sort(packed);
        return new BranchIndex(base, packed, decoded, undecoded, (System.nanoTime() - start) / 1e6);
    }

    /** A growing array of longs. */
    private static final class Packed {
        long[] values = new long[4096];
        int size;

        void add(long v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }
    }

    /** Where instructions are known to begin: the range's start and every function symbol's start and end in it. */
    private static long[] syncPoints(ElfImage image, ElfImage.CodeRange r) {
        TreeSet<Long> points = new TreeSet<>();
        points.add(r.vaddr());
        long end = r.vaddr() + r.size();
        for (Symbol s : image.symbols()) {
            if (s.value() >= r.vaddr() && s.value() < end) {
                points.add(s.value());
                if (s.size() > 0 && s.value() + s.size() < end) {
                    points.add(s.value() + s.size());
                }
            }
        }
        return points.stream().mapToLong(Long::longValue).toArray();
    }

    /** Branches whose target lies in [from, to), in link-time addresses. */
    public List<Edge> into(long from, long to) {
        List<Edge> out = new ArrayList<>();
        if (to <= base || from - base >= 1L << 31) {
            return out;
        }
        long lo = Math.max(from - base, 0);
        int i = Arrays.binarySearch(packed, lo << 32);
        i = i >= 0 ? i : -i - 1;
        for (; i < packed.length && (packed[i] >>> 32) + base < to; i++) {
            out.add(new Edge(base + (packed[i] & 0xffffffffL), base + (packed[i] >>> 32)));
        }
        return out;
    }

    public int branches() {
        return packed.length;
    }

    public long instructions() {
        return instructions;
    }

    /** The index's own size in memory. */
    public long bytes() {
        return 16L + 8L * packed.length;
    }

    /** Bytes of code nothing could decode (stepped over one at a time): a measure of how sure the index is. */
    public long undecodedBytes() {
        return undecodedBytes;
    }

    public double buildMillis() {
        return buildMillis;
    }
}
