package tfix.engine.remote;

import java.util.Set;

import tfix.engine.patch.Planner;
import tfix.engine.record.PatchBook;

/**
 * Pages of trampolines near the code they serve. When the new function is out of a
 * 5-byte jump's reach and the 14-byte absolute jump does not fit safely (a short
 * function, a branch into its first bytes), the site jumps 5 bytes to a slot here and
 * the slot jumps on. Islands are mapped read+execute by the target's own mmap, written
 * through /proc/PID/mem, noted in the record, and their slots are never reused.
 */
public final class TrampolineIslands {
    static final long PAGE = 4096;
    /** A margin inside rel32's ±2 GiB, so every slot of an island reaches and is reached. */
    static final long REACH = (1L << 31) - (1L << 20);
    private static final int PROT_RX = 5, MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20, MAP_FIXED_NOREPLACE = 0x100000;

    private TrampolineIslands() {
    }

    /** Where a slot would be, for plans that must not change the process: just below the site's page. */
    public static long hypotheticalSlot(long site) {
        return (site & ~(PAGE - 1)) - PAGE;
    }

    static boolean reachable(long site, long slot) {
        return Math.abs(slot - site) < REACH;
    }

    /**
     * A free slot within reach of {@code site}: in an island already made, or in a new one.
     * {@code taken} holds slots handed out but not yet recorded (earlier sites of the same transaction).
     */
    public static long slotNear(long site, PatchBook book, RemoteCaller caller, Set<Long> taken) {
        Set<Long> used = book.usedSlots();
        for (long[] island : book.islands()) {
            for (long slot = island[0]; slot + Planner.TRAMPOLINE_SLOT <= island[0] + island[1]; slot += Planner.TRAMPOLINE_SLOT) {
                if (reachable(site, slot) && !used.contains(slot) && !taken.contains(slot)) {
                    taken.add(slot);
                    return slot;
                }
            }
        }
        long island = map(site, caller);
        book.addIsland(island, PAGE, caller);
        taken.add(island);
        return island;
    }

    /** Maps a page near the site with the target's mmap, trying free places below it, then above. */
    private static long map(long site, RemoteCaller caller) {
        long mmap = caller.libcFunction("mmap");
        long base = site & ~(PAGE - 1);
        for (int i = 1; i <= 64; i++) {
            for (long hint : new long[] {base - i * (16L << 20), base + i * (16L << 20)}) {
                if (hint <= 0 || !reachable(site, hint)) {
                    continue;
                }
                long got = caller.call("mmap for a trampoline island", mmap, RemoteCaller.value(hint), RemoteCaller.value(PAGE),
                        RemoteCaller.value(PROT_RX), RemoteCaller.value(MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE),
                        RemoteCaller.value(-1), RemoteCaller.value(0));
                if (got != -1 && reachable(site, got)) {
                    return got;
                }
                if (got != -1) {
                    caller.call("munmap", caller.libcFunction("munmap"), RemoteCaller.value(got), RemoteCaller.value(PAGE));
                }
            }
        }
        throw new tfix.engine.TfixException(String.format("no free page within 2 GiB of %#x for a trampoline", site));
    }
}
