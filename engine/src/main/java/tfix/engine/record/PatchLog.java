package tfix.engine.record;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The record's contents: a list of events, read once into an index (patches by id, live
 * patches by site) so that nothing costs more as the history grows. "apply" is written
 * before a jump is written and "applied" after, likewise "revert"/"reverted", so a record
 * cut short by tfix dying still says which sites may have changed; {@link #inForce} settles
 * those by the bytes the process holds. A compacted record ({@link #compacted}) starts with
 * "generation", "next" (the id counters) and the trampoline slots ever used ("slots" bitmaps
 * per island, "slot" lines for any other); records written before compaction have none and still read.
 */
public final class PatchLog {
    /** Longest line a record may hold: a patch with every name at its longest, with room to spare. */
    static final int MAX_LINE = 8 * RecordFields.MAX_NAME + 1024;

    private final Map<Integer, AppliedPatch> patches = new LinkedHashMap<>();
    private final Map<Integer, String> state = new HashMap<>();
    /** Per site, the patches whose state is (or was, at the last apply there) "apply" or "applied". */
    private final Map<Long, List<Integer>> liveAtSite = new HashMap<>();
    private final List<long[]> islands = new ArrayList<>();
    private final Set<Long> usedSlots = new LinkedHashSet<>();
    private int lastId;
    private int lastTransaction;
    private long generation;
    private int lines;

    public static PatchLog parse(String text) {
        PatchLog log = new PatchLog();
        log.add(text);
        return log;
    }

    /** Reads more events, as appended after those already read; whole lines only. */
    void add(String text) {
        int at = 0;
        while (at < text.length()) {
            int end = text.indexOf('\n', at);
            if (end < 0) {
                throw RecordFields.damaged(lines + 1, "a line cut short");
            }
            lines++;
            if (end - at > MAX_LINE) {
                throw RecordFields.damaged(lines, "a line of " + (end - at) + " characters");
            }
            if (end > at) {
                event(text.substring(at, end).split("\t", -1));
            }
            at = end + 1;
        }
    }

    private void event(String[] e) {
        String kind = e[0];
        if (kind.isEmpty() || kind.length() > 32 || !kind.chars().allMatch(c -> c >= 'a' && c <= 'z')) {
            throw RecordFields.damaged(lines, "not an event");
        }
        switch (kind) {
            case "apply" -> apply(AppliedPatch.decode(e, 1, lines));
            case "applied", "revert", "reverted", "aborted", "superseded" -> {
                int id = RecordFields.positiveInt(field(e, 1), lines, "the patch id");
                if (patches.containsKey(id)) {
                    state.put(id, kind);
                }
            }
            case "island" -> islands.add(new long[] {RecordFields.userAddress(field(e, 1), lines, "the island"),
                    islandSize(field(e, 2))});
            case "slot" -> usedSlots.add(RecordFields.userAddress(field(e, 1), lines, "the slot"));
            case "slots" -> SlotBitmap.read(field(e, 1), field(e, 2), field(e, 3), lines, usedSlots::add);
            case "next" -> {
                lastId = Math.max(lastId, RecordFields.nonNegativeInt(field(e, 1), lines, "the next patch id") - 1);
                lastTransaction = Math.max(lastTransaction,
                        RecordFields.nonNegativeInt(field(e, 2), lines, "the next transaction id") - 1);
            }
            case "generation" -> generation = RecordFields.nonNegativeInt(field(e, 1), lines, "the generation");
            default -> {
                // An event from a newer tfix: ignored, the rest still reads.
            }
        }
    }

    private String field(String[] e, int i) {
        if (i >= e.length) {
            throw RecordFields.damaged(lines, "a " + e[0] + " event without its fields");
        }
        return e[i];
    }

    private long islandSize(String s) {
        long size = RecordFields.hex(s, lines, "the island's size");
        if (size <= 0 || size > 1 << 30) {
            throw RecordFields.damaged(lines, "an island of " + size + " bytes");
        }
        return size;
    }

    private void apply(AppliedPatch p) {
        if (patches.containsKey(p.id())) {
            throw RecordFields.damaged(lines, "patch id " + p.id() + " applied twice");
        }
        List<Integer> live = liveAtSite.computeIfAbsent(p.site(), s -> new ArrayList<>());
        List<Integer> still = new ArrayList<>();
        for (int q : live) {
            String s = state.get(q);
            if (s.equals("apply")) {
                state.put(q, "superseded"); // an earlier apply left open (its write failed) is settled by this one
            } else if (s.equals("applied")) {
                state.put(q, "apply"); // taken over: until this write is settled, the bytes decide
                still.add(q);
            }
        }
        still.add(p.id());
        liveAtSite.put(p.site(), still);
        patches.put(p.id(), p);
        state.put(p.id(), "apply");
        lastId = Math.max(lastId, p.id());
        lastTransaction = Math.max(lastTransaction, p.transaction());
        if (p.trampoline() != 0) {
            usedSlots.add(p.trampoline());
        }
    }

    public static byte[] applyEvent(AppliedPatch p) {
        return line("apply\t" + p.encode());
    }

    public static byte[] event(String kind, int id) {
        return line(kind + "\t" + id);
    }

    public static byte[] islandEvent(long address, long size) {
        return line("island\t" + Long.toHexString(address) + "\t" + Long.toHexString(size));
    }

    /** A slot taken by something other than a trampoline (a copy of an original takes several). */
    public static byte[] slotEvent(long slot) {
        return line("slot\t" + Long.toHexString(slot));
    }

    private static byte[] line(String s) {
        return (s + "\n").getBytes(StandardCharsets.UTF_8);
    }

    public int nextId() {
        return lastId + 1;
    }

    public int nextTransaction() {
        return lastTransaction + 1;
    }

    long generation() {
        return generation;
    }

    /** How many patches the record holds, in force or not: what compaction would fold away. */
    int patchCount() {
        return patches.size();
    }

    /** Trampoline islands tfix made in the process: {address, size} pairs. */
    public List<long[]> islands() {
        return Collections.unmodifiableList(islands);
    }

    /** Every trampoline slot ever handed out; never reused, since a thread may still be passing through one. */
    public Set<Long> usedSlots() {
        return Collections.unmodifiableSet(usedSlots); // a view: asked once per site, it must not cost a copy
    }

    /**
     * Patches whose jump is in place. {@code siteBytes} reads the process: an event
     * without its closing event is decided by what the site holds.
     */
    public List<AppliedPatch> inForce(Function<AppliedPatch, byte[]> siteBytes) {
        List<AppliedPatch> out = new ArrayList<>();
        for (AppliedPatch p : patches.values()) {
            boolean on = switch (state.get(p.id())) {
                case "applied" -> true;
                case "apply", "revert" -> Arrays.equals(siteBytes.apply(p), p.patch());
                default -> false;
            };
            if (on) {
                out.add(p);
            }
        }
        return out;
    }

    /**
     * The same record with what is no longer in force folded away: the next generation, the id
     * counters, the islands and every slot ever used, then each patch in force (open events
     * settled by the bytes, as {@link #inForce} settles them) as "apply" and "applied".
     */
    byte[] compacted(Function<AppliedPatch, byte[]> siteBytes) {
        StringBuilder sb = new StringBuilder();
        sb.append("generation\t").append(generation + 1).append('\n');
        sb.append("next\t").append(nextId()).append('\t').append(nextTransaction()).append('\n');
        for (long[] i : islands) {
            sb.append(new String(islandEvent(i[0], i[1]), StandardCharsets.UTF_8));
        }
        SlotBitmap.write(islands, usedSlots, sb);
        for (AppliedPatch p : inForce(siteBytes)) {
            sb.append("apply\t").append(p.encode()).append('\n').append("applied\t").append(p.id()).append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }
}
