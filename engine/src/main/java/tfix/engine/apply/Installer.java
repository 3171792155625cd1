package tfix.engine.apply;

import java.util.List;
import java.util.Objects;

import tfix.engine.patch.SitePlan;
import tfix.engine.prepare.Prepared;
import tfix.engine.process.ProcMemory;
import tfix.engine.record.AppliedPatch;
import tfix.engine.record.PatchBook;
import tfix.engine.remote.RemoteLibc;

/**
 * Puts prepared replacements in place, or takes recorded ones out, each as one
 * {@link Applier} write with the record written around it (so a run cut short still
 * tells what may have changed) and the journal after it.
 */
public final class Installer {
    private final Applier applier;
    private final ProcMemory memory;
    private final PatchBook book;
    private final RemoteLibc libc;

    public Installer(Applier applier, ProcMemory memory, PatchBook book, RemoteLibc libc) {
        this.applier = applier;
        this.memory = memory;
        this.book = book;
        this.libc = libc;
    }

    /** Writes the prepared sites in one stop, all or nothing; one transaction id for them when asked. */
    public Applier.Outcome install(List<Prepared> todo, boolean asTransaction) {
        List<AppliedPatch> entries = book.number(todo.stream().map(Prepared::draft).toList(), asTransaction, libc);
        List<Write> writes = todo.stream().map(p -> p.supersedes() == null ? Write.installing(p.plan())
                : Write.takingOver(p.plan(), p.supersedes().patch())).toList();
        // Trampolines first, while the target runs: nothing jumps to a fresh slot until its site is written.
        for (Prepared p : todo) {
            SitePlan plan = p.plan();
            if (plan.trampoline() != 0) {
                memory.write(plan.trampoline(), plan.trampolineCode());
            }
        }
        List<AppliedPatch> superseded = todo.stream().map(Prepared::supersedes).filter(Objects::nonNull).toList();
        return book.applying(entries, writes.stream().map(Write::before).toList(), superseded,
                () -> applier.apply(writes));
    }

    /** Puts the original code back at every site of these patches, in one stop. */
    public Applier.Outcome uninstall(List<AppliedPatch> patches) {
        List<Write> writes = patches.stream().map(Write::undoing).toList();
        return book.reverting(patches, libc, () -> applier.apply(writes));
    }
}
