package tfix.engine.record;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The record's contents: an append-only list of events. "apply" is written before a
 * jump is written and "applied" after, likewise "revert"/"reverted", so a record cut
 * short by tfix dying still says which sites may have changed; {@link #inForce} settles
 * those by the bytes the process holds.
 */
public final class PatchLog {
    private final List<String[]> events = new ArrayList<>();

    public static PatchLog parse(String text) {
        PatchLog log = new PatchLog();
        for (String line : text.split("\n")) {
            if (!line.isEmpty()) {
                log.events.add(line.split("\t", -1));
            }
        }
        return log;
    }

    public static byte[] applyEvent(AppliedPatch p) {
        return line("apply\t" + p.encode());
    }

    public static byte[] event(String kind, int id) {
        return line(kind + "\t" + id);
    }

    private static byte[] line(String s) {
        return (s + "\n").getBytes(StandardCharsets.UTF_8);
    }

    public int nextId() {
        return events.stream().filter(e -> e[0].equals("apply")).mapToInt(e -> Integer.parseInt(e[1])).max().orElse(0) + 1;
    }

    public static byte[] islandEvent(long address, long size) {
        return line("island\t" + Long.toHexString(address) + "\t" + Long.toHexString(size));
    }

    /** Trampoline islands tfix made in the process: {address, size} pairs. */
    public List<long[]> islands() {
        return events.stream().filter(e -> e[0].equals("island"))
                .map(e -> new long[] {Long.parseUnsignedLong(e[1], 16), Long.parseUnsignedLong(e[2], 16)}).toList();
    }

    /** Every trampoline slot ever handed out; never reused, since a thread may still be passing through one. */
    public Set<Long> usedSlots() {
        Set<Long> used = new HashSet<>();
        for (String[] e : events) {
            if (e[0].equals("apply")) {
                long t = AppliedPatch.decode(e, 1).trampoline();
                if (t != 0) {
                    used.add(t);
                }
            }
        }
        return used;
    }

    public int nextTransaction() {
        return events.stream().filter(e -> e[0].equals("apply")).mapToInt(e -> Integer.parseInt(e[2])).max().orElse(0) + 1;
    }

    /**
     * Patches whose jump is in place. {@code siteBytes} reads the process: an event
     * without its closing event is decided by what the site holds.
     */
    public List<AppliedPatch> inForce(Function<AppliedPatch, byte[]> siteBytes) {
        Map<Integer, AppliedPatch> patches = new LinkedHashMap<>();
        Map<Integer, String> state = new LinkedHashMap<>();
        for (String[] e : events) {
            switch (e[0]) {
                case "apply" -> {
                    AppliedPatch p = AppliedPatch.decode(e, 1);
                    // An earlier apply of the same site left open (its write failed) is settled by this one.
                    for (AppliedPatch q : patches.values()) {
                        if (q.site() == p.site() && state.get(q.id()).equals("apply")) {
                            state.put(q.id(), "superseded");
                        } else if (q.site() == p.site() && state.get(q.id()).equals("applied")) {
                            // A later patch takes this site over: until its write is settled, the bytes decide.
                            state.put(q.id(), "apply");
                        }
                    }
                    patches.put(p.id(), p);
                    state.put(p.id(), "apply");
                }
                case "applied", "revert", "reverted", "aborted", "superseded" -> state.put(Integer.parseInt(e[1]), e[0]);
                default -> {
                    // An event from a newer tfix: ignored, the rest still reads.
                }
            }
        }
        List<AppliedPatch> out = new ArrayList<>();
        for (Map.Entry<Integer, AppliedPatch> en : patches.entrySet()) {
            String s = state.get(en.getKey());
            AppliedPatch p = en.getValue();
            boolean on = switch (s) {
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
}
