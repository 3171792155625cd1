package tfix.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import tfix.engine.apply.SiteWriter;
import tfix.engine.apply.Write;
import tfix.engine.failure.TfixException;
import tfix.engine.patch.Planner;
import tfix.engine.patch.ReplaceSpec;
import tfix.engine.prepare.Preparer;
import tfix.engine.timing.Phases;

/**
 * What a write checks before it loads any patch, so that a refused replace never runs a patch's code:
 * every site's plan (the new function planned far away, the patch's symbols predicted), then the threads
 * against the first bytes of every site whose patch is still to be loaded, the bytes any jump there would
 * replace. A transaction is refused whole, before any of its patches is loaded.
 */
final class PreloadChecks {
    private final Preparer preparer;
    private final Planner planner;
    private final Supplier<SiteWriter> applier;

    PreloadChecks(Preparer preparer, Planner planner, Supplier<SiteWriter> applier) {
        this.preparer = preparer;
        this.planner = planner;
        this.applier = applier;
    }

    void run(List<ReplaceSpec> specs, boolean asTransaction) {
        List<Write> firstBytes = new ArrayList<>();
        for (ReplaceSpec spec : specs) {
            try {
                preparer.preflight(spec).ifPresent(p -> firstBytes.addAll(p.callers() != null ? Write.callerFirstBytes(p)
                        : List.of(Write.firstBytes(p, planner.shortestCover(p)))));
            } catch (TfixException e) {
                throw asTransaction ? e.prefixed("transaction not applied, nothing was written: ") : e;
            }
        }
        if (firstBytes.isEmpty()) {
            return;
        }
        try (Phases.Span s = Phases.start("  threads clear of the first bytes")) {
            applier.get().awaitClear(firstBytes);
        } catch (TfixException e) {
            TfixException notLoaded = new TfixException(e.reason(), e.getMessage() + "; no patch was loaded", e);
            throw asTransaction ? notLoaded.prefixed("transaction not applied, nothing was written: ") : notLoaded;
        }
    }
}
