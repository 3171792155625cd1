package tfix.engine.prepare;

import java.util.Set;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.patch.JumpChoice;
import tfix.engine.patch.Planner;
import tfix.engine.record.PatchBook;
import tfix.engine.remote.RemoteLibc;
import tfix.engine.sys.Mman;

/**
 * Pages of trampolines near the code they serve (see {@link JumpChoice} for when a site
 * needs one). Islands are mapped read+execute by the target's own mmap, written through
 * /proc/PID/mem, noted in the record, and their slots are never reused.
 */
final class TrampolineIslands {
    /** How far past the entry the site's jump may start (after an endbr64). */
    private static final int SITE_SLACK = 16;

    private TrampolineIslands() {
    }

    /** Whether every byte of a site starting near {@code entry} reaches the slot with a 5-byte jump. */
    private static boolean serves(long entry, long slot) {
        return JumpChoice.slotServes(entry, slot) && JumpChoice.slotServes(entry + SITE_SLACK, slot);
    }

    /**
     * A free slot within reach of the function at {@code entry}: in an island already made, or
     * in a new one. {@code taken} holds slots handed out but not yet recorded (earlier sites of
     * the same transaction).
     */
    static long slotNear(long entry, PatchBook book, RemoteLibc libc, Set<Long> taken) {
        Set<Long> used = book.usedSlots();
        for (long[] island : book.islands()) {
            for (long slot = island[0]; slot + Planner.TRAMPOLINE_SLOT <= island[0] + island[1]; slot += Planner.TRAMPOLINE_SLOT) {
                if (serves(entry, slot) && !used.contains(slot) && !taken.contains(slot)) {
                    taken.add(slot);
                    return slot;
                }
            }
        }
        long island = map(entry, libc);
        book.addIsland(island, Mman.PAGE, libc);
        taken.add(island);
        return island;
    }

    /**
     * Room for {@code bytes} of code near the function at {@code entry} (a copy of its original): that many
     * consecutive free slots of one island, or of a new one. Handed out like slots, never reused.
     */
    static long roomNear(long entry, long bytes, PatchBook book, RemoteLibc libc, Set<Long> taken) {
        int n = (int) ((bytes + Planner.TRAMPOLINE_SLOT - 1) / Planner.TRAMPOLINE_SLOT);
        if (n <= 0 || n * Planner.TRAMPOLINE_SLOT > Mman.PAGE) {
            throw new IllegalArgumentException("room for " + bytes + " bytes");
        }
        Set<Long> used = book.usedSlots();
        for (long[] island : book.islands()) {
            int free = 0;
            for (long slot = island[0]; slot + Planner.TRAMPOLINE_SLOT <= island[0] + island[1]; slot += Planner.TRAMPOLINE_SLOT) {
                free = serves(entry, slot) && !used.contains(slot) && !taken.contains(slot) ? free + 1 : 0;
                if (free == n) {
                    return take(slot - (n - 1L) * Planner.TRAMPOLINE_SLOT, n, taken);
                }
            }
        }
        long island = map(entry, libc);
        book.addIsland(island, Mman.PAGE, libc);
        return take(island, n, taken);
    }

    private static long take(long first, int n, Set<Long> taken) {
        for (int i = 0; i < n; i++) {
            taken.add(first + (long) i * Planner.TRAMPOLINE_SLOT);
        }
        return first;
    }

    /** Maps a page near the function with the target's mmap, trying free places below it, then above. */
    private static long map(long entry, RemoteLibc libc) {
        long base = entry & ~(Mman.PAGE - 1);
        for (int i = 1; i <= 64; i++) {
            for (long hint : new long[] {base - i * (16L << 20), base + i * (16L << 20)}) {
                if (hint <= 0 || !servesWholePage(entry, hint)) {
                    continue;
                }
                long got = libc.mmapAnonymous("mmap for a trampoline island", hint, Mman.PAGE,
                        Mman.PROT_READ | Mman.PROT_EXEC, Mman.MAP_PRIVATE | Mman.MAP_FIXED_NOREPLACE);
                if (got != Mman.MAP_FAILED && servesWholePage(entry, got)) {
                    return got;
                }
                if (got != Mman.MAP_FAILED) {
                    libc.munmap(got, Mman.PAGE);
                }
            }
        }
        throw new TfixException(Reason.TARGET_REFUSED, String.format("no free page within 2 GiB of %#x for a trampoline", entry));
    }

    private static boolean servesWholePage(long entry, long page) {
        return serves(entry, page) && serves(entry, page + Mman.PAGE - Planner.TRAMPOLINE_SLOT);
    }
}
