package tfix.engine.record;

import java.io.IOException;
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
import tfix.engine.guard.Journal;
import tfix.engine.process.Maps;
import tfix.engine.process.ProcMemory;
import tfix.engine.remote.RemoteLibc;

/**
 * The books kept around every write: the record in the target (events before and after,
 * so a run cut short still tells what may have changed) and the journal on this machine.
 */
public final class PatchBook {
    private final int pid;
    private final ProcMemory memory;
    private final Journal journal;
    private final Consumer<String> warnings;
    private RecordStore record;
    private String lastWarning;

    public PatchBook(int pid, Maps maps, ProcMemory memory, Journal journal, Consumer<String> warnings) {
        this.pid = pid;
        this.memory = memory;
        this.journal = journal;
        this.warnings = warnings;
        this.record = RecordStore.find(maps, memory).orElse(null);
    }

    /** The patches whose jump is in place, read from the target. */
    public List<AppliedPatch> inForce() {
        if (record == null) {
            return List.of();
        }
        return record.read().inForce(p -> memory.read(p.site(), p.patch().length));
    }

    public Set<String> patchFiles() {
        return inForce().stream().map(AppliedPatch::patchFile).collect(Collectors.toSet());
    }

    /** The drafts numbered with fresh ids (and one transaction id for all of them when asked). */
    public List<AppliedPatch> number(List<AppliedPatch> drafts, boolean transaction, RemoteLibc libc) {
        PatchLog log = open(libc).read();
        int id = log.nextId();
        int tx = transaction ? log.nextTransaction() : 0;
        List<AppliedPatch> out = new ArrayList<>();
        for (AppliedPatch d : drafts) {
            out.add(d.numbered(id++, tx));
        }
        return out;
    }

    private RecordStore open(RemoteLibc libc) {
        if (record == null) {
            record = RecordStore.create(libc, memory);
        }
        return record;
    }

    /** Trampoline islands recorded in the target, and the slots already handed out. */
    public List<long[]> islands() {
        return record == null ? List.of() : record.read().islands();
    }

    public Set<Long> usedSlots() {
        return record == null ? Set.of() : record.read().usedSlots();
    }

    /** Notes a new island, so later runs find and fill it. */
    public void addIsland(long address, long size, RemoteLibc libc) {
        open(libc).append(PatchLog.islandEvent(address, size));
    }

    /**
     * Records the entries around {@code write}: "apply" before, "applied" after; the journal around both.
     * {@code was}: what each site held before (the original code, or an earlier patch's jump).
     */
    public <T> T applying(List<AppliedPatch> entries, List<byte[]> was, List<AppliedPatch> superseded, Supplier<T> write) {
        T result = around(entries, "apply", "applied", was, write);
        // The earlier patches these took over are no longer in force (their sites now hold the new jumps).
        record.appendAll(superseded.stream().map(p -> PatchLog.event("superseded", p.id())).toList());
        return result;
    }

    /** Records a revert around {@code write}: "revert" before, "reverted" after; the journal around both. */
    public <T> T reverting(List<AppliedPatch> patches, Supplier<T> write) {
        if (record == null) {
            throw new TfixException(Reason.NOT_FOUND, "process " + pid + " has no tfix record: nothing to revert");
        }
        return around(patches, "revert", "reverted", patches.stream().map(AppliedPatch::patch).toList(), write);
    }

    private <T> T around(List<AppliedPatch> entries, String before, String after, List<byte[]> was, Supplier<T> write) {
        // Everything slow (hashing the patch files) is done before the write, while the target runs, so the
        // journal's lines sit right around the write: an intent before, the outcome just after.
        List<Journal.Entry> outcome = journalEntries(entries, before, was);
        journal(outcome.stream().map(e -> e.as(Journal.intent(before))).toList());
        record.appendAll(entries.stream().map(e -> before.equals("apply") ? PatchLog.applyEvent(e)
                : PatchLog.event(before, e.id())).toList());
        // If the write fails, the events stay open: whatever the site holds then decides (the failure may
        // come after the bytes were written, while resuming the threads).
        T result;
        try {
            result = write.get();
        } catch (RuntimeException e) {
            journal(outcome.stream().map(x -> x.as(Journal.failed(before))).toList());
            throw e;
        }
        record.appendAll(entries.stream().map(e -> PatchLog.event(after, e.id())).toList());
        journal(outcome);
        return result;
    }

    /** The journal's lines for these writes, each patch file hashed once. */
    private List<Journal.Entry> journalEntries(List<AppliedPatch> patches, String action, List<byte[]> was) {
        Map<String, String> digests = new HashMap<>();
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
            entries.add(Journal.entry(pid, action, p.function(), p.site(), was.get(i), now, p.patchFile(), sha));
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
