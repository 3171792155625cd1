package tfix.engine.record;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.guard.FileDigest;
import tfix.engine.guard.PatchStore;
import tfix.engine.guard.Journal;
import tfix.engine.process.Maps;
import tfix.engine.process.MemoryMap;
import tfix.engine.process.ProcMemory;
import tfix.engine.remote.RemoteLibc;
import tfix.engine.timing.Phases;

/**
 * The books kept around every write: the record in the target (events before and after,
 * so a run cut short still tells what may have changed) and the journal on this machine.
 */
public final class PatchBook {
    /** Room kept free for reverting every patch in force ("revert" and "reverted" lines), so a revert never finds the record full. */
    private static final int REVERT_LINES = 2 * "reverted\t2147483647\n".length();

    private final int pid;
    private final ProcMemory memory;
    private final Journal journal;
    private final Consumer<String> warnings;
    private RecordStore record;
    private List<MemoryMap> stale;
    /** The record as last read, and its length then: read again only when the length changed. */
    private PatchLog log;
    private long logUsed = -1;
    private List<AppliedPatch> inForce;
    private String lastWarning;

    public PatchBook(int pid, Maps maps, ProcMemory memory, Journal journal, Consumer<String> warnings) {
        this.pid = pid;
        this.memory = memory;
        this.journal = journal;
        this.warnings = warnings;
        RecordStore.Found found = RecordStore.find(maps, memory);
        this.record = found.record();
        this.stale = found.stale();
    }

    private PatchLog log() {
        if (record == null) {
            return PatchLog.parse("");
        }
        long used = record.used();
        if (log == null || used != logUsed) {
            log = record.read();
            logUsed = used;
            inForce = null;
        }
        return log;
    }

    private byte[] siteBytes(AppliedPatch p) {
        return memory.read(p.site(), p.patch().length);
    }

    /** The patches whose jump is in place, read from the target. */
    public List<AppliedPatch> inForce() {
        PatchLog l = log();
        if (inForce == null || record == null) {
            inForce = List.copyOf(l.inForce(this::siteBytes));
        }
        return inForce;
    }

    public Set<String> patchFiles() {
        return inForce().stream().map(AppliedPatch::patchFile).collect(Collectors.toSet());
    }

    /** The drafts numbered with fresh ids (and one transaction id for all of them when asked). */
    public List<AppliedPatch> number(List<AppliedPatch> drafts, boolean transaction, RemoteLibc libc) {
        open(libc);
        PatchLog l = log();
        int id = l.nextId();
        int tx = transaction ? l.nextTransaction() : 0;
        List<AppliedPatch> out = new ArrayList<>();
        long bytes = 0;
        for (AppliedPatch d : drafts) {
            AppliedPatch p = d.numbered(id++, tx);
            out.add(p);
            bytes += PatchLog.applyEvent(p).length + PatchLog.event("superseded", p.id()).length
                    + PatchLog.event("applied", p.id()).length;
        }
        makeRoom(bytes + (long) REVERT_LINES * (inForce().size() + drafts.size()), libc);
        return out;
    }

    private RecordStore open(RemoteLibc libc) {
        log(); // a damaged record stops here, before anything in the target is changed
        if (!stale.isEmpty()) {
            RecordStore.unmapStale(stale, libc); // left by a run killed while it remade the record
            stale = List.of();
        }
        if (record == null) {
            try (Phases.Span s = Phases.start("record creation")) {
                record = RecordStore.create(libc, memory);
            }
        }
        return record;
    }

    /**
     * Makes sure {@code bytes} more fit: if not, remakes the record with what is no longer in force
     * folded away, in a new mapping (larger when what is in force needs it), complete before the old
     * one is retired, so a run killed at any point leaves one whole record.
     */
    private void makeRoom(long bytes, RemoteLibc libc) {
        if (record.fits(bytes)) {
            return;
        }
        byte[] compact = log().compacted(this::siteBytes);
        long capacity = RecordStore.CAPACITY;
        while (capacity < 2 * (RecordStore.HEADER + compact.length + bytes) && capacity < RecordStore.MAX_CAPACITY) {
            capacity *= 2;
        }
        RecordStore next = RecordStore.create(libc, memory, compact, capacity);
        record.retire(libc);
        record = next;
        log = null;
    }

    /** Trampoline islands recorded in the target, and the slots already handed out. */
    public List<long[]> islands() {
        return log().islands();
    }

    public Set<Long> usedSlots() {
        return log().usedSlots();
    }

    /** Notes a new island, so later runs find and fill it. */
    public void addIsland(long address, long size, RemoteLibc libc) {
        open(libc);
        makeRoom(PatchLog.islandEvent(address, size).length, libc);
        append(List.of(PatchLog.islandEvent(address, size)));
    }

    /** Notes slots taken before anything is written in them, so no later run hands them out again. */
    public void useSlots(List<Long> slots, RemoteLibc libc) {
        open(libc);
        List<byte[]> lines = slots.stream().map(PatchLog::slotEvent).toList();
        makeRoom(lines.stream().mapToLong(b -> b.length).sum(), libc);
        append(lines);
    }

    /**
     * Records the entries around {@code write}: "apply" before, "applied" after, then the journal.
     * {@code was}: what each site held before (the original code, or an earlier patch's jump).
     */
    public <T> T applying(List<AppliedPatch> entries, List<byte[]> was, List<AppliedPatch> superseded, Supplier<T> write) {
        T result = around(entries, "apply", "applied", was, write);
        // The earlier patches these took over are no longer in force (their sites now hold the new jumps).
        append(superseded.stream().map(p -> PatchLog.event("superseded", p.id())).toList());
        return result;
    }

    /** Records a revert around {@code write}: "revert" before, "reverted" after; the journal around both. */
    public <T> T reverting(List<AppliedPatch> patches, RemoteLibc libc, Supplier<T> write) {
        if (record == null) {
            throw new TfixException(Reason.NOT_FOUND, "process " + pid + " has no tfix record: nothing to revert");
        }
        // Room is kept for this at every apply; a record an older tfix filled is remade here.
        makeRoom((long) REVERT_LINES * patches.size(), libc);
        return around(patches, "revert", "reverted", patches.stream().map(AppliedPatch::patch).toList(), write);
    }

    private <T> T around(List<AppliedPatch> entries, String before, String after, List<byte[]> was, Supplier<T> write) {
        // Everything slow (hashing the patch files) is done before the write, while the target runs, so the
        // journal's lines sit right around the write: an intent before, the outcome just after.
        List<Journal.Entry> outcome = journalEntries(entries, before, was);
        journal(outcome.stream().map(e -> e.as(Journal.intent(before))).toList());
        append(entries.stream().map(e -> before.equals("apply") ? PatchLog.applyEvent(e)
                : PatchLog.event(before, e.id())).toList());
        // If the write fails, the events stay open: whatever the site holds then decides (the failure may
        // come after the bytes were written, while resuming the threads).
        T result;
        try {
            result = write.get();
        } catch (RuntimeException e) {
            journal(outcome.stream().map(x -> x.as(Journal.failed(before))).toList());
            throw e;
        } finally {
            inForce = null; // the sites changed, or may have
        }
        append(entries.stream().map(e -> PatchLog.event(after, e.id())).toList());
        journal(outcome);
        return result;
    }

    /** Appends events, and reads them into the log already parsed rather than reading the record again. */
    private void append(List<byte[]> lines) {
        if (lines.isEmpty()) {
            return;
        }
        PatchLog l = log();
        long before = logUsed;
        record.appendAll(lines);
        StringBuilder text = new StringBuilder();
        lines.forEach(b -> text.append(new String(b, StandardCharsets.UTF_8)));
        l.add(text.toString());
        logUsed = before + lines.stream().mapToLong(b -> b.length).sum();
        inForce = null;
    }

    /** The journal's lines for these writes, each patch file hashed once. */
    private List<Journal.Entry> journalEntries(List<AppliedPatch> patches, String action, List<byte[]> was) {
        Map<String, String> digests = new HashMap<>();
        Map<String, String> sources = new HashMap<>();
        List<Journal.Entry> entries = new ArrayList<>();
        for (int i = 0; i < patches.size(); i++) {
            AppliedPatch p = patches.get(i);
            String sha = digests.computeIfAbsent(p.patchFile(), f -> {
                try {
                    return FileDigest.sha256(Path.of(f));
                } catch (TfixException e) {
                    return null;
                }
            });
            byte[] now = action.equals("apply") ? p.patch() : p.original();
            entries.add(Journal.entry(pid, action, p.function(), p.site(), was.get(i), now, p.patchFile(), sha)
                    .from(sources.computeIfAbsent(p.patchFile(), f -> PatchStore.sourceOf(Path.of(f)).orElse(null))));
        }
        return entries;
    }

    private void journal(List<Journal.Entry> entries) {
        try {
            journal.append(entries);
        } catch (IOException | RuntimeException e) {
            String warning = "cannot write the journal " + journal.file() + ": " + e.getMessage();
            if (!warning.equals(lastWarning)) { // the intent and the outcome of one write fail alike: say it once
                warnings.accept(warning);
            }
            lastWarning = warning;
        }
    }
}
