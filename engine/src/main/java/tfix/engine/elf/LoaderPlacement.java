package tfix.engine.elf;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import tfix.engine.process.MemoryMap;

/**
 * Where the dynamic loader put an ELF file, told apart from other mappings of the same file
 * (a program that maps its own executable or a library to read or checksum it).
 *
 * <p>The loader maps each PT_LOAD segment at bias + its address, from its page of the file,
 * executable exactly when the segment is. So each executable mapping that holds the code
 * segment's file page proposes a bias, and the bias under which the most segments sit where
 * they should, with the right file offset and execute permission, wins; a plain copy of the
 * file (one mapping, contiguous offsets, one permission) cannot match a segment whose address
 * and offset differ, nor the execute bit of every segment. The maps come from the kernel, so
 * the target cannot forge them as it could its loader's link map in its own memory.
 *
 * @param bias     what turns link-time addresses into the process's addresses
 * @param mappings the file's mappings within the loaded image; other copies left out
 */
public record LoaderPlacement(long bias, List<MemoryMap> mappings) {
    private static final long PAGE = 0xfff;

    public static LoaderPlacement of(List<MemoryMap> mappings, ElfImage image) {
        List<ElfImage.Segment> loads = image.segments().stream().filter(s -> s.filesz() > 0).toList();
        if (loads.isEmpty()) {
            return firstMapped(mappings, image);
        }
        if (!image.positionIndependent()) {
            return within(0, mappings, loads);
        }
        long best = 0;
        int bestScore = 0;
        for (ElfImage.Segment code : loads) {
            if (!code.executable()) {
                continue;
            }
            long page = code.offset() & ~PAGE;
            for (MemoryMap m : mappings) {
                if (!m.executable() || page < m.offset() || page - m.offset() >= m.size()) {
                    continue;
                }
                long bias = m.start() + (page - m.offset()) - (code.vaddr() & ~PAGE);
                int score = score(bias, mappings, loads);
                if (score > bestScore) {
                    best = bias;
                    bestScore = score;
                }
            }
        }
        return bestScore == 0 ? firstMapped(mappings, image) : within(best, mappings, loads);
    }

    /** How many segments are mapped where, from where and as executable as the loader would map them under this bias. */
    private static int score(long bias, List<MemoryMap> mappings, List<ElfImage.Segment> loads) {
        int n = 0;
        for (ElfImage.Segment s : loads) {
            long at = bias + (s.vaddr() & ~PAGE);
            for (MemoryMap m : mappings) {
                if (m.contains(at) && m.offset() + (at - m.start()) == (s.offset() & ~PAGE) && m.executable() == s.executable()) {
                    n++;
                    break;
                }
            }
        }
        return n;
    }

    /** The mappings inside the image the segments span under this bias. */
    private static LoaderPlacement within(long bias, List<MemoryMap> mappings, List<ElfImage.Segment> loads) {
        long lo = bias + (loads.stream().mapToLong(ElfImage.Segment::vaddr).min().getAsLong() & ~PAGE);
        long hi = bias + loads.stream().mapToLong(s -> s.vaddr() + s.memsz()).max().getAsLong();
        List<MemoryMap> mine = new ArrayList<>();
        for (MemoryMap m : mappings) {
            if (Long.compareUnsigned(m.start(), hi) < 0 && Long.compareUnsigned(m.end(), lo) > 0) {
                mine.add(m);
            }
        }
        return new LoaderPlacement(bias, List.copyOf(mine.isEmpty() ? mappings : mine));
    }

    /** No executable mapping fits any segment (not mapped by a loader): the file's first page decides, as before. */
    private static LoaderPlacement firstMapped(List<MemoryMap> mappings, ElfImage image) {
        if (!image.positionIndependent()) {
            return new LoaderPlacement(0, List.copyOf(mappings));
        }
        MemoryMap first = mappings.stream().min(Comparator.comparingLong(MemoryMap::offset)).orElseThrow();
        for (ElfImage.Segment s : image.segments()) {
            if ((s.offset() & ~PAGE) == first.offset()) {
                return new LoaderPlacement(first.start() - (s.vaddr() & ~PAGE), List.copyOf(mappings));
            }
        }
        return new LoaderPlacement(first.start() - first.offset(), List.copyOf(mappings));
    }
}
