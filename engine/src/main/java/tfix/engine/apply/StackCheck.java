package tfix.engine.apply;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.function.Supplier;

import tfix.engine.process.Maps;
import tfix.engine.process.MemoryMap;
import tfix.engine.process.ProcMemory;
import tfix.engine.ptrace.Registers;

/**
 * What a stopped thread may come back to: the words of its stack nearest the stack
 * pointer (return addresses, saved signal contexts) and the return addresses along its
 * frame-pointer chain, read with one read for the scanned window. Conservative: a stale
 * word can make tfix wait, never miss a live frame within the scanned depth.
 */
public final class StackCheck {
    /** Depth scanned for every write: return addresses into the replaced bytes would crash. */
    public static final int SITE_SCAN = 16 * 1024;
    /** Depth scanned for safety 'stack': any frame of the old function. */
    public static final int FUNCTION_SCAN = 64 * 1024;
    static final int MAX_FRAMES = 64;
    private final ProcMemory memory;
    private final Supplier<Maps> reread;
    private Maps maps;
    /** The maps by start address, for a binary search per thread (hundreds of threads have hundreds of stacks). */
    private MemoryMap[] byStart;

    /** {@code maps}: read before the stop, to keep that work out of it; re-read if a stack is not in it. */
    public StackCheck(ProcMemory memory, Maps maps, Supplier<Maps> reread) {
        this.memory = memory;
        this.reread = reread;
        index(maps);
    }

    private void index(Maps m) {
        maps = m;
        byStart = m.entries().toArray(new MemoryMap[0]);
        Arrays.sort(byStart, (a, b) -> Long.compareUnsigned(a.start(), b.start()));
    }

    private MemoryMap find(long address) {
        int lo = 0, hi = byStart.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(byStart[mid].start(), address) > 0) {
                hi = mid - 1;
            } else if (Long.compareUnsigned(address, byStart[mid].end()) >= 0) {
                lo = mid + 1;
            } else {
                return byStart[mid];
            }
        }
        return null;
    }

    /** The part of a thread's stack that is scanned: from its stack pointer, at most {@code scanBytes}. */
    public record Window(long from, int length, long stackEnd) {
        static final Window NONE = new Window(0, 0, 0);
    }

    /** Where the thread's scanned window lies (re-reading the maps for a stack born since they were read). */
    public Window window(Registers regs, int scanBytes) {
        MemoryMap stack = find(regs.rsp());
        if (stack == null) {
            index(reread.get()); // a thread born since the maps were read
            stack = find(regs.rsp());
        }
        if (stack == null) {
            return Window.NONE;
        }
        long from = regs.rsp() & ~7L;
        return new Window(from, (int) Math.min(scanBytes, stack.end() - from) & ~7, stack.end());
    }

    /** The addresses the thread may return to, with where each was found; sorted by address. */
    public Words words(Registers regs, int scanBytes) {
        Window w = window(regs, scanBytes);
        long[] values = new long[w.length() / 8 + MAX_FRAMES];
        ByteBuffer.wrap(memory.read(w.from(), w.length())).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer()
                .get(values, 0, w.length() / 8);
        return words(regs, w, values);
    }

    /**
     * The same from the window's words already read into {@code values} (which has room for
     * {@link #MAX_FRAMES} more): only frames deeper than the window are read here.
     */
    public Words words(Registers regs, Window w, long[] values) {
        long from = w.from();
        int len = w.length();
        int n = len / 8;
        long[] deeper = new long[MAX_FRAMES];
        int d = 0;
        // Deeper frames, through the frame-pointer chain (where the code keeps one). rbp may hold any value (-O2
        // code uses it as a general register): tests written so that none can overflow, as freeze.c's.
        long rbp = regs.get(Registers.RBP);
        for (int i = 0; i < MAX_FRAMES && rbp >= from && rbp <= w.stackEnd() - 16; i++) {
            long next;
            long ret;
            if (rbp - from <= len - 16 && ((rbp - from) & 7) == 0) {
                next = values[(int) (rbp - from) / 8];
                ret = values[(int) (rbp - from) / 8 + 1];
            } else {
                next = memory.readLong(rbp);
                ret = memory.readLong(rbp + 8);
                values[n++] = ret;
                deeper[d++] = rbp + 8;
            }
            if (next <= rbp) {
                break;
            }
            rbp = next;
        }
        return new Words(Arrays.copyOf(values, n), from, len / 8, Arrays.copyOf(deeper, d));
    }

    /** Stack words, sorted by value for range queries over many sites at once (user addresses are positive). */
    public static final class Words {
        private final long[] values;
        private final long windowStart;
        private final int windowWords;
        private final long[] deeperPlaces;
        private long[] sorted;
        private int queries;

        /** values: the window's words, then return addresses found deeper (at deeperPlaces). */
        Words(long[] values, long windowStart, int windowWords, long[] deeperPlaces) {
            this.values = values;
            this.windowStart = windowStart;
            this.windowWords = windowWords;
            this.deeperPlaces = deeperPlaces;
        }

        private long place(int k) {
            return k < windowWords ? windowStart + 8L * k : deeperPlaces[k - windowWords];
        }

        /** A word in [from, to), as "the word X at Y on its stack", or null. */
        public String within(long from, long to) {
            // A few sites: a straight scan. Many (a large transaction): sort once, then binary search.
            if (++queries > 4 && sorted == null) {
                sorted = values.clone();
                Arrays.sort(sorted);
            }
            if (sorted != null) {
                int i = Arrays.binarySearch(sorted, from);
                i = i >= 0 ? i : -i - 1;
                if (i >= sorted.length || sorted[i] >= to) {
                    return null;
                }
                from = sorted[i];
                to = from + 1;
            }
            for (int k = 0; k < values.length; k++) {
                if (values[k] >= from && values[k] < to) {
                    return InTheWay.word(values[k], place(k));
                }
            }
            return null;
        }
    }
}
