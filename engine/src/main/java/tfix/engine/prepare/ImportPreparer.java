package tfix.engine.prepare;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import tfix.engine.elf.ElfCache;
import tfix.engine.elf.ElfImage;
import tfix.engine.elf.FunctionRef;
import tfix.engine.elf.LoadedModule;
import tfix.engine.failure.Printable;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.patch.Check;
import tfix.engine.patch.ImportSlot;
import tfix.engine.patch.ReplaceSpec;
import tfix.engine.patch.SitePlan;
import tfix.engine.process.ProcMemory;
import tfix.engine.process.TargetProcess;
import tfix.engine.remote.PatchPlace;

/**
 * {@code replace 'f', in: 'libm.so' with ...}: plans one module's import slots of {@code f} (one plan per
 * slot: its GOT entry, and a pointer its data keeps, when it has both), checks everything that needs no patch
 * loaded before loading it, then plans again with the new function's address. Changes nothing.
 */
final class ImportPreparer {
    private final TargetProcess process;
    private final ProcMemory memory;
    private final Attached target;
    private final ElfCache elfCache;
    private final PatchSource sources;
    private final ReferenceStep references;
    private final PatchLoading loading;
    /** The references of the last replace prepared, for its preflight to refuse with their own reason. */
    private ReferencePlan lastReferences = ReferencePlan.NONE;
    private String lastWhat = "";

    ImportPreparer(TargetProcess process, ProcMemory memory, Attached target, ElfCache elfCache, PatchSource sources,
                   ReferenceStep references, PatchLoading loading) {
        this.references = references;
        this.loading = loading;
        this.process = process;
        this.memory = memory;
        this.target = target;
        this.elfCache = elfCache;
        this.sources = sources;
    }

    List<Prepared> prepare(ReplaceSpec spec, boolean planOnly) {
        if (spec.library() != null || spec.original() != null) {
            throw new TfixException(Reason.BAD_INPUT, "in: takes neither lib: nor original: (the function itself stays as it"
                    + " is, and the patch calls it by name); replace '" + Printable.of(spec.oldName()) + "', in: '"
                    + Printable.of(spec.importer()) + "' with ... alone");
        }
        Path patch = sources.resolve(spec.patchFile(), spec.sha256());
        PatchPlace place = sources.place(patch);
        ElfImage patchImage = elfCache.get(patch.toString(), patch, patch.toFile().lastModified()).orElseThrow(() ->
                new TfixException(Reason.BAD_PATCH_FILE, "cannot read patch file " + patch + " as an ELF shared object"));
        Pins.checkCarried(target.symbols(), patchImage);
        ImportSurvey survey = new ImportSurvey(target.symbols(), memory);
        LoadedModule importer = survey.importer(spec.importer(), spec.oldName());
        String patchName = patch.getFileName().toString();
        ReferencePlan refs = references.plan(patch, patchImage, importer.path(), target.book().inForce());
        String what = "the import of " + spec.oldName() + " in " + importer.fileName();
        lastReferences = refs;
        lastWhat = what;

        if (place.loadedAs(process.maps()).isEmpty()) {
            List<ImportSurvey.Found> slots = survey.slots(importer, spec.oldName(), target.book().inForce());
            Check link = new LinkForecast(process.pid(), target.symbols().modules(), elfCache).check(patch, patchImage);
            boolean defined = patchImage.symbols().stream().anyMatch(s -> !s.isLocal() && s.plainName().equals(spec.newName()));
            Check offered = defined ? Check.pass("new", patchName + " defines " + Printable.of(spec.newName()))
                    : Check.fail("symbols", patchName + " defines no function " + Printable.of(spec.newName()));
            List<Prepared> far = plans(spec.oldName(), importer, slots, 0, spec.newName(), patchName, patch, false, 0, List.of(link, offered));
            if (planOnly) {
                return withChecks(far, refs);
            }
            refs.refuseUnlessBound(what, "; no patch was loaded");
            refuseUnless(far, "; no patch was loaded");
        }
        PatchLoading.Loaded done = loading.load(place, patch, patchImage, refs, what, planOnly);
        boolean loaded = done.loaded();
        double loadMillis = done.millis();
        String module = done.module();
        FunctionRef fresh = target.symbols().resolve(spec.newName(), module, Set.of());
        // Read again after loading: a lazy slot may have been bound meanwhile.
        List<ImportSurvey.Found> slots = new ImportSurvey(target.symbols(), memory)
                .slots(importer, spec.oldName(), target.book().inForce());
        List<Check> extra = planOnly ? List.of(Check.pass("symbols", "the patch is loaded in the process already")) : List.of();
        List<Prepared> ready = plans(spec.oldName(), importer, slots, fresh.address(), fresh.displayName(), patchName, patch, loaded,
                loadMillis, extra);
        if (!planOnly) {
            refuseUnless(ready, loaded ? "; the patch library " + patch + " stays loaded, unused (nothing was changed)" : "");
        }
        return planOnly ? withChecks(ready, refs) : ready;
    }

    /** One plan per slot, the new function at {@code target} (0: not loaded yet). */
    private static List<Prepared> plans(String symbol, LoadedModule importer, List<ImportSurvey.Found> slots, long target,
                                        String newName,
                                        String patchName, Path patch, boolean loaded, double loadMillis, List<Check> extra) {
        List<Prepared> out = new ArrayList<>();
        for (ImportSurvey.Found f : slots) {
            ImportSlot slot = new ImportSlot(symbol, importer.fileName(), f.relocation().typeName(), f.slot(), f.value(),
                    f.meaning(), target, newName, patchName);
            List<Check> checks = new ArrayList<>(List.of(f.check()));
            checks.addAll(extra);
            if (target != 0 && target == f.value() && f.earlier() == null) {
                checks.add(Check.fail("target", "the slot already holds the new function, though no patch of it is recorded"));
            }
            boolean already = f.earlier() != null && target != 0 && f.earlier().target() == target && f.check().passed();
            // A revert puts back what the slot held before any patch: an earlier patch's own original.
            byte[] original = f.earlier() != null ? f.earlier().original() : ImportSlot.bytes(f.value());
            SitePlan plan = SitePlan.importing(slot, importer.path(), original, checks, already);
            boolean takingOver = f.earlier() != null && !already;
            out.add(new Prepared(plan, patch.toString(), loaded && out.isEmpty(), out.isEmpty() ? loadMillis : 0,
                    takingOver ? f.earlier() : null));
        }
        return out;
    }

    private static List<Prepared> withChecks(List<Prepared> plans, ReferencePlan refs) {
        return plans.stream().map(p -> new Prepared(ReferenceStep.withChecks(p.plan(), refs), p.patchPath(), p.loaded(),
                p.loadMillis(), p.supersedes())).toList();
    }

    /** Every check that needs no patch loaded; refuses, loading nothing, when one fails. */
    void preflight(ReplaceSpec spec) {
        List<Prepared> plans = prepare(spec, true);
        lastReferences.refuseUnlessBound(lastWhat, "; no patch was loaded");
        refuseUnless(plans, "; no patch was loaded");
    }

    /** Refuses every slot, loading nothing more, when a check of one fails. */
    static void refuseUnless(List<Prepared> plans, String consequence) {
        List<Check> failed = plans.stream().flatMap(p -> p.plan().failures().stream()).distinct().toList();
        if (!failed.isEmpty()) {
            boolean symbols = failed.stream().anyMatch(c -> c.name().equals("symbols"));
            SitePlan first = plans.get(0).plan();
            throw new TfixException(symbols ? Reason.BAD_PATCH_FILE : Reason.UNSAFE_SITE, "cannot replace the import of "
                    + Printable.of(first.function()) + " in " + Printable.of(first.importSlot().importer()) + ": "
                    + failed.stream().map(Check::detail).collect(Collectors.joining("; ")) + consequence);
        }
    }
}
