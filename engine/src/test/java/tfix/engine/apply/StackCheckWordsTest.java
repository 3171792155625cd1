package tfix.engine.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/** StackCheck.Words.within: range queries over a thread's stack words, by scan and then by binary search. */
class StackCheckWordsTest {
    static final long WINDOW = 0x7ffd_5000_0000L;
    static final Pattern ANSWER = Pattern.compile("the word 0x([0-9a-f]+) at 0x([0-9a-f]+) on its stack");

    static StackCheck.Words words(long[] values, int windowWords, long... deeperPlaces) {
        return new StackCheck.Words(values.clone(), WINDOW, windowWords, deeperPlaces);
    }

    /** Five queries with no hit push a Words into its sorted mode. */
    static StackCheck.Words sorted(StackCheck.Words w) {
        for (int i = 0; i < 5; i++) {
            assertNull(w.within(1, 1));
        }
        return w;
    }

    /** The first word (in stack order) in [from, to), as the straight scan reports it. */
    static String reference(long[] values, int windowWords, long[] deeper, long from, long to) {
        for (int k = 0; k < values.length; k++) {
            if (values[k] >= from && values[k] < to) {
                long place = k < windowWords ? WINDOW + 8L * k : deeper[k - windowWords];
                return String.format("the word %#x at %#x on its stack", values[k], place);
            }
        }
        return null;
    }

    @Test
    void edgesAreFromInclusiveToExclusive() {
        long[] v = {0x1111, 0x401136, 0x401200, 0x2222};
        for (boolean sortedMode : new boolean[] {false, true}) {
            StackCheck.Words w = words(v, 4);
            if (sortedMode) {
                sorted(w);
            }
            assertEquals("the word 0x401136 at 0x7ffd50000008 on its stack", w.within(0x401136, 0x401137));
            assertEquals("the word 0x401136 at 0x7ffd50000008 on its stack", w.within(0x401000, 0x401137));
            assertNull(w.within(0x401137, 0x401200), "to is exclusive");
            assertNull(w.within(0x401000, 0x401136), "the word at to is outside");
            assertEquals("the word 0x401200 at 0x7ffd50000010 on its stack", w.within(0x401200, 0x401201));
            assertNull(w.within(0x401201, Long.MAX_VALUE));
            assertNull(w.within(0x401136, 0x401136), "empty range");
            assertNull(w.within(0x401200, 0x401136), "reversed range");
            assertEquals("the word 0x1111 at 0x7ffd50000000 on its stack", w.within(0, 0x1112));
            assertEquals("the word 0x2222 at 0x7ffd50000018 on its stack", w.within(0x2000, 0x3000));
        }
    }

    @Test
    void deeperWordsReportWhereTheFramePointerChainFoundThem() {
        long[] v = {0x10, 0x20, 0x401136, 0x402000};
        long[] deeper = {0x7ffd_5001_0008L, 0x7ffd_5001_1238L};
        for (boolean sortedMode : new boolean[] {false, true}) {
            StackCheck.Words w = new StackCheck.Words(v.clone(), WINDOW, 2, deeper);
            if (sortedMode) {
                sorted(w);
            }
            assertEquals("the word 0x20 at 0x7ffd50000008 on its stack", w.within(0x20, 0x21));
            assertEquals("the word 0x401136 at 0x7ffd50010008 on its stack", w.within(0x401000, 0x402000));
            assertEquals("the word 0x402000 at 0x7ffd50011238 on its stack", w.within(0x401137, 0x403000));
        }
    }

    @Test
    void aRepeatedWordIsReportedAtItsFirstPlace() {
        long[] v = {0x5, 0x401136, 0x7, 0x401136};
        StackCheck.Words linear = words(v, 4);
        StackCheck.Words binary = sorted(words(v, 4));
        assertEquals("the word 0x401136 at 0x7ffd50000008 on its stack", linear.within(0x401136, 0x401137));
        assertEquals("the word 0x401136 at 0x7ffd50000008 on its stack", binary.within(0x401136, 0x401137));
    }

    @Test
    void withSeveralWordsInRangeEitherModeNamesOneOfThem() {
        long[] v = {0x401180, 0x401140};
        String first = "the word 0x401180 at 0x7ffd50000000 on its stack";
        String lowest = "the word 0x401140 at 0x7ffd50000008 on its stack";
        assertEquals(first, words(v, 2).within(0x401136, 0x401200), "the scan names the first on the stack");
        String binary = sorted(words(v, 2)).within(0x401136, 0x401200);
        assertTrue(binary.equals(first) || binary.equals(lowest), binary);
    }

    @Test
    void noWords() {
        StackCheck.Words w = words(new long[0], 0);
        for (int i = 0; i < 8; i++) {
            assertNull(w.within(Long.MIN_VALUE, Long.MAX_VALUE));
        }
    }

    @Test
    void kernelAddressesAndNegativeWordsDoNotMatchUserRanges() {
        long[] v = {-1L, 0xffff_ffff_8100_0000L, 0x8000_0000_0000_0000L, 0x401136};
        StackCheck.Words w = words(v, 4);
        for (int i = 0; i < 6; i++) {
            assertNull(w.within(0, 0x401000), "query " + i);
            assertEquals("the word 0x401136 at 0x7ffd50000018 on its stack", w.within(0x400000, 0x7fff_ffff_ffffL));
        }
    }

    /**
     * Thousands of random queries against the straight scan. A miss is a miss in both modes; a hit names
     * a word in the range at the place it really is. With one word in the range the answer is the same
     * string; with several, the sorted mode may name another of them (the lowest), which is as good.
     */
    @Test
    void sortedModeAnswersAsTheScanDoes() {
        Random rnd = new Random(0x7f1c5L);
        int queries = 0, hits = 0, exact = 0, loose = 0;
        for (int trial = 0; trial < 60; trial++) {
            int windowWords = rnd.nextInt(120);
            int deeperWords = rnd.nextInt(6);
            long[] v = new long[windowWords + deeperWords];
            for (int k = 0; k < v.length; k++) {
                int kind = rnd.nextInt(10);
                v[k] = kind < 6 ? 0x400000L + rnd.nextInt(0x4000) // code addresses, some repeated
                        : kind < 8 ? 0x7ffd_5000_0000L + 8L * rnd.nextInt(0x2000) // stack addresses
                        : kind < 9 ? rnd.nextInt(64) // small integers
                        : rnd.nextLong(); // anything, negative included
            }
            long[] deeper = new long[deeperWords];
            for (int d = 0; d < deeperWords; d++) {
                deeper[d] = WINDOW + 8L * windowWords + 0x1000L * (d + 1) + 8;
            }
            StackCheck.Words w = new StackCheck.Words(v.clone(), WINDOW, windowWords, deeper.clone());
            for (int q = 0; q < 80; q++, queries++) {
                long from = rnd.nextInt(8) == 0 ? rnd.nextLong() : 0x400000L - 0x100 + rnd.nextInt(0x4200);
                long to = from + (rnd.nextInt(8) == 0 ? -rnd.nextInt(16) : rnd.nextInt(0x200));
                String want = reference(v, windowWords, deeper, from, to);
                String got = w.within(from, to);
                int t = trial, n = q;
                Supplier<String> where = () -> String.format("trial %d query %d [%#x, %#x) -> %s", t, n, from, to, got);
                if (want == null) {
                    assertNull(got, where);
                    continue;
                }
                hits++;
                assertNotNull(got, where);
                int inRange = 0;
                for (long x : v) {
                    inRange += x >= from && x < to ? 1 : 0;
                }
                if (q < 4 || inRange == 1) {
                    assertEquals(want, got, where);
                    exact++;
                    continue;
                }
                loose++;
                Matcher m = ANSWER.matcher(got);
                assertTrue(m.matches(), where);
                long word = Long.parseUnsignedLong(m.group(1), 16);
                long place = Long.parseUnsignedLong(m.group(2), 16);
                assertTrue(word >= from && word < to, where);
                int k = place >= WINDOW && place < WINDOW + 8L * windowWords ? (int) ((place - WINDOW) / 8) : -1;
                if (k < 0) {
                    for (int d = 0; d < deeperWords; d++) {
                        k = deeper[d] == place ? windowWords + d : k;
                    }
                }
                assertTrue(k >= 0 && v[k] == word, where); // the word is where the answer says
                assertEquals(reference(v, windowWords, deeper, word, word + 1), got, where); // at its first place
            }
        }
        assertEquals(4800, queries);
        assertTrue(hits > 1000 && exact > 500 && loose > 300, "hits " + hits + ", exact " + exact + ", loose " + loose);
    }
}
