package tfix.engine.apply;

import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.patch.OriginalCopies;
import tfix.engine.patch.CallerSite;
import tfix.engine.patch.Planner;
import tfix.engine.patch.ShortJump;
import tfix.engine.patch.SitePlan;
import tfix.engine.prepare.Prepared;
import tfix.engine.process.Maps;
import tfix.engine.process.MemoryMap;
import tfix.engine.process.ProcMemory;
import tfix.engine.record.AppliedPatch;
import tfix.engine.record.PatchBook;
import tfix.engine.record.SiteKind;
import tfix.engine.remote.RemoteLibc;
import tfix.engine.x86.Relocation;

/**
 * Puts prepared replacements in place, or takes recorded ones out, each as one
 * {@link Applier} write with the record written around it (so a run cut short still
 * tells what may have changed) and the journal after it.
 */
public final class Installer {
    private final SiteWriter applier;
    private final ProcMemory memory;
    private final PatchBook book;
    private final RemoteLibc libc;

    public Installer(SiteWriter applier, ProcMemory memory, PatchBook book, RemoteLibc libc) {
        this.applier = applier;
        this.memory = memory;
        this.book = book;
        this.libc = libc;
    }

    /** Writes the prepared sites in one stop, all or nothing; one transaction id for them when asked. */
    public Applier.Outcome install(List<Prepared> todo, boolean asTransaction) {
        // A function patched through its callers is several sites: one transaction, so they go in and out together.
        boolean tx = asTransaction || todo.stream().anyMatch(p -> p.drafts().size() > 1);
        List<Write> writes = todo.stream().flatMap(p -> p.plan().callers() != null ? Write.redirecting(p.plan()).stream()
                : Stream.of(p.supersedes() == null ? Write.installing(p.plan())
                : Write.takingOver(p.plan(), p.supersedes().patch()))).toList();
        SiteOverlap.refuse(writes, stillLoaded(todo));
        CopyInstaller.install(todo.stream().map(Prepared::plan).toList(), memory, book, libc);
        List<AppliedPatch> entries = book.number(todo.stream().flatMap(p -> p.drafts().stream()).toList(), tx, libc);
        // Trampolines first, while the target runs: nothing jumps to a fresh slot until its site is written.
        for (Prepared p : todo) {
            SitePlan plan = p.plan();
            if (plan.trampoline() != 0) {
                memory.write(plan.trampoline(), plan.trampolineCode());
            }
            for (CallerSite c : plan.callers() == null ? List.<CallerSite>of() : plan.callers().sites()) {
                if (c.trampoline() != 0) {
                    memory.write(c.trampoline(), Planner.trampolineCode(c.trampoline(), plan.target()));
                }
            }
        }
        PadWriter.write(todo, memory, book, libc);
        List<AppliedPatch> superseded = todo.stream().map(Prepared::supersedes).filter(Objects::nonNull).toList();
        try {
            return book.applying(entries, writes.stream().map(Write::before).toList(), superseded,
                    () -> applier.apply(writes));
        } catch (TfixException e) {
            if (e.reason() != Reason.THREAD_BUSY && e.reason() != Reason.CANCELLED) {
                throw e;
            }
            throw new TfixException(e.reason(), e.getMessage() + stillLoaded(todo), e);
        }
    }

    /** dlopen cannot be undone safely (the patch's code may be referenced already): a refusal says it is there. */
    private static String stillLoaded(List<Prepared> todo) {
        List<String> libraries = todo.stream().map(Prepared::patchPath).distinct().toList();
        return "; the patch librar" + (libraries.size() == 1 ? "y " : "ies ") + String.join(", ", libraries)
                + (libraries.size() == 1 ? " stays" : " stay") + " loaded in the process, unused (no function jumps to it);"
                + " a retry with the same file reuses it";
    }

    /** Puts the original code back at every site of these patches, in one stop. */
    public Applier.Outcome uninstall(List<AppliedPatch> patches) {
        List<Write> writes = patches.stream().map(Write::undoing).toList();
        try {
            return book.reverting(patches, libc, () -> applier.apply(writes));
        } catch (TfixException e) {
            if (e.reason() != Reason.THREAD_BUSY && e.reason() != Reason.CANCELLED) {
                throw e;
            }
            throw new TfixException(e.reason(), e.getMessage() + "; every patch stays in force", e);
        }
    }

    /** What a recorded site holds now, and whether that is its jump (and trampoline) in the code that runs. */
    public record ReadBack(byte[] bytes, boolean inPlace) {
    }

    /** The same, with the copy of the original an {@code original:} made checked too. */
    public static ReadBack readBack(ProcMemory memory, Maps maps, AppliedPatch p, OriginalCopies copies) {
        ReadBack site = readBack(memory, maps, p);
        if (p.copy() == 0 || !site.inPlace()) {
            return site;
        }
        Relocation expected = copies.code(p.entry(), p.site(), p.original(), p.copy());
        try {
            return new ReadBack(site.bytes(), expected.ok()
                    && Arrays.equals(memory.read(p.copy(), expected.code().length), expected.code()));
        } catch (UncheckedIOException e) {
            return new ReadBack(site.bytes(), false); // the copy is gone (unmapped by the process): not in place
        }
    }

    public static ReadBack readBack(ProcMemory memory, Maps maps, AppliedPatch p) {
        byte[] now = memory.read(p.site(), p.patch().length);
        if (p.kind() == SiteKind.IMPORT) {
            // Data, not code: the slot must still lie in the importing module's own mappings.
            boolean ours = maps.find(p.site()).map(m -> m.path().equals(p.module()) && !m.executable()).orElse(false);
            return new ReadBack(now, ours && Arrays.equals(now, p.patch()));
        }
        byte[] slot = p.trampoline() == 0 ? new byte[0] : Planner.trampolineCode(p.trampoline(), p.target());
        // Bytes that are not executable are a copy of the code (a file mapped again to be read), not the code that runs.
        boolean runs = maps.find(p.site()).map(MemoryMap::executable).orElse(false);
        return new ReadBack(now, runs && Arrays.equals(now, p.patch())
                && Arrays.equals(memory.read(p.trampoline(), slot.length), slot) && padInPlace(memory, p));
    }

    /** A 2-byte entry jump's pad holds its jump on (a jump of another shape has none). */
    private static boolean padInPlace(ProcMemory memory, AppliedPatch p) {
        long pad = ShortJump.isShort(p.patch()) ? ShortJump.pad(p.site(), p.patch()) : 0;
        if (pad == 0 || pad == p.target()) {
            return true;
        }
        byte[] code = ShortJump.padCode(pad, ShortJump.padTarget(p.trampoline(), p.target()));
        return Arrays.equals(memory.read(pad, code.length), code);
    }
}
