package tfix.engine.prepare;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongUnaryOperator;
import java.util.stream.Collectors;

import tfix.engine.elf.DataObject;
import tfix.engine.elf.Demangler;
import tfix.engine.elf.ElfCache;
import tfix.engine.elf.ElfImage;
import tfix.engine.elf.FunctionRef;
import tfix.engine.elf.LoadedModule;
import tfix.engine.elf.ProcessSymbols;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.guard.PatchStore;
import tfix.engine.patch.BranchIndexCache;
import tfix.engine.patch.CallerPlanner;
import tfix.engine.patch.CallerRequest;
import tfix.engine.patch.Check;
import tfix.engine.patch.JumpChoice;
import tfix.engine.patch.Planner;
import tfix.engine.patch.ReplaceSpec;
import tfix.engine.patch.SitePlan;
import tfix.engine.patch.ShortJump;
import tfix.engine.patch.ShortPlanner;
import tfix.engine.patch.SiteRequest;
import tfix.engine.process.MemoryMap;
import tfix.engine.process.ProcMemory;
import tfix.engine.process.TargetProcess;
import tfix.engine.record.AppliedPatch;
import tfix.engine.remote.PatchPlace;
import tfix.engine.x86.X86Decoder;
import tfix.engine.timing.Phases;

/**
 * Turns what the user asked for into a checked plan, ready to write: checks the patch
 * file and its pins, resolves both functions, loads the patch (unless only planning),
 * surveys the site, takes over an earlier patch there, and lets {@link JumpChoice} pick
 * the jump (mapping a trampoline island when it needs one). Changes no code.
 */
public final class Preparer {
    private final TargetProcess process;
    private final ProcMemory memory;
    private final Attached target;
    private final ElfCache elfCache;
    private final Demangler demangler;
    private final X86Decoder decoder;
    /** Trampoline slots handed to sites of the write being prepared (recorded only once applied). */
    private final Set<Long> slotsTaken = new HashSet<>();
    /** Replacements of one module's imports ({@code in:}). */
    private final ImportPreparer imports;
    /** Patch files whose carried build-id pin has been checked in this session. */
    private final Set<String> pinsChecked = new HashSet<>();
    /** Whether the route writes 2-byte entry jumps with no thread stopped, and nothing asks for a stop. */
    private boolean withoutStop;
    /** Why a route that could write without a stop will not this time (safety 'stack'), or null. */
    private String stopWhy;
    /** Direct branches of every module, kept by the engine across sessions. */
    private final BranchIndexCache branchIndexes;
    /** Every replacement of the write (or plan) being prepared: a clone replaced among them is covered. */
    private List<ReplaceSpec> batch = List.of();
    /** Entries of the functions the batch replaces or the record holds, found on first need. */
    private Set<Long> replacedToo;
    /** The references of the last replace prepared, for its preflight to refuse with their own reason. */
    private ReferencePlan references = ReferencePlan.NONE;
    private final ReferenceStep referenceStep;
    private final PatchLoading loading;
    /** Where each patch is loaded from: its copy in the patch store. */
    private final PatchSource sources;
    /** Replacements of the write whose far plan and link forecast {@link #preflight} passed: not planned far again. */
    private final Set<ReplaceSpec> farChecked = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());

    public Preparer(TargetProcess process, ProcMemory memory, Attached target, ElfCache elfCache, Demangler demangler,
                    X86Decoder decoder, BranchIndexCache branchIndexes, int euid) {
        this.process = process;
        this.memory = memory;
        this.target = target;
        this.elfCache = elfCache;
        this.demangler = demangler;
        this.decoder = decoder;
        this.branchIndexes = branchIndexes;
        this.referenceStep = new ReferenceStep(process, memory, target);
        this.sources = new PatchSource(process.pid(), euid, PatchStore.standard(euid));
        this.loading = new PatchLoading(process, target, elfCache, referenceStep);
        this.imports = new ImportPreparer(process, memory, target, elfCache, sources, referenceStep, loading);
    }

    /** Every site of one replacement: the function's entry, or each import slot of the module {@code in:} names. */
    public List<Prepared> prepareAll(ReplaceSpec spec, boolean planOnly) {
        return spec.importer() == null ? List.of(prepare(spec, planOnly)) : imports.prepare(spec, planOnly);
    }

    /**
     * A new write of {@code specs} begins: trampoline slots handed out for an earlier one are settled by the
     * record, and a function's clones may be among the specs.
     */
    public void startWrite(List<ReplaceSpec> specs) {
        slotsTaken.clear();
        farChecked.clear();
        sources.newWrite();
        batch = List.copyOf(specs);
        replacedToo = null;
    }

    /** Plans prefer the 2-byte jump to a pad that the route can write with no thread stopped ({@link ShortPlanner}). */
    public void writeWithoutStop(boolean on, String whyNot) {
        withoutStop = on;
        stopWhy = whyNot;
    }

    /** Plans every replacement of a plan block (each knowing the others), loading nothing. */
    public List<SitePlan> planAll(List<ReplaceSpec> specs) {
        sources.newWrite();
        batch = List.copyOf(specs);
        replacedToo = null;
        return specs.stream().flatMap(spec -> prepareAll(spec, true).stream()).map(Prepared::plan).toList();
    }

    /**
     * Resolves, checks, loads the patch (unless {@code planOnly}) and plans one replacement; changes no code.
     * Everything that can be checked without the patch loaded is checked first, so a refused replace never
     * runs the patch's constructors: whether the target's dlopen will find every symbol the patch needs, and
     * the site planned as if the new function lay far away (the longest jump, or a trampoline's 5 bytes). A
     * site refused there is refused wherever the patch lands: nearer, the jump is the same 5-byte one.
     */
    public Prepared prepare(ReplaceSpec spec, boolean planOnly) {
        Phases.Laps t = Phases.laps(planOnly ? "    far: " : "    near: ");
        Path patch = sources.resolve(spec.patchFile(), spec.sha256()); // the store's copy: what is checked is what loads
        t.lap("patch from the store");
        PatchPlace place = sources.place(patch);
        ElfImage patchImage = elfCache.get(patch.toString(), patch, patch.toFile().lastModified()).orElseThrow(() ->
                new TfixException(Reason.BAD_PATCH_FILE, "cannot read patch file " + patch + " as an ELF shared object"));
        t.lap("patch ELF");
        if (pinsChecked.add(patch + "#" + patch.toFile().lastModified())) {
            Pins.checkCarried(target.symbols(), patchImage);
        }
        DataObject variable = OriginalVariable.check(spec.original(), patchImage, patch);
        List<AppliedPatch> inForce = target.book().inForce();
        t.lap("pins, variable, record read");
        OldFunction resolved = OldFunction.resolve(target.symbols(), memory, spec, patchFiles(inForce));
        FunctionRef old = resolved.function();
        t.lap("old function resolved");
        Optional<AppliedPatch> existing = inForce.stream().filter(p -> p.entry() == old.address()).findFirst();
        Optional<Check> clones = new CloneSurvey(branchIndexes).check(old, spec.newName(), spec.clonesIgnored(),
                () -> replacedToo(inForce));
        t.lap("clones survey");
        ReferencePlan refs = references = referenceStep.plan(patch, patchImage, old.module().path(), inForce);
        CallerSurvey.refuseTakeover(inForce, old);
        t.lap("references");

        if (place.loadedAs(process.maps()).isEmpty() && (planOnly || !farChecked.contains(spec))) {
            Check link = new LinkForecast(process.pid(), target.symbols().modules(), elfCache).check(patch, patchImage);
        t.lap("link forecast");
            FunctionRef far = unloaded(patch, patchImage).resolve(spec.newName(), null, Set.of());
            SitePlan farPlan = withClones(OriginalVariable.withCopy(resolved.noted(plan(old, far, existing, JumpChoice::hypotheticalSlot, true)),
                    spec.original(), variable, far.module().bias(), decoder, n -> OriginalVariable.hypotheticalPlace(old.address())),
                    clones);
        t.lap("far plan");
            if (planOnly) {
                return new Prepared(ReferenceStep.withChecks(provisional(farPlan).withCheck(link), refs), patch.toString(), false, 0, null);
            }
            refs.refuseUnlessBound(old.displayName(), "; no patch was loaded");
            refuseUnless(farPlan.withCheck(link), old, "; no patch was loaded");
        }
        PatchLoading.Loaded done = loading.load(place, patch, patchImage, refs, old.displayName(), planOnly);
        boolean loaded = done.loaded();
        double loadMillis = done.millis();
        String module = done.module();
        t.lap("patch loaded");
        FunctionRef fresh = target.symbols().resolve(spec.newName(), module, Set.of());
        SitePlan plan = resolved.noted(plan(old, fresh, existing, near -> planOnly
                ? JumpChoice.hypotheticalSlot(near)
                : TrampolineIslands.slotNear(near, target.book(), target.libc(), slotsTaken), planOnly));
        plan = withClones(OriginalVariable.withCopy(plan, spec.original(), variable, fresh.module().bias(), decoder, n -> planOnly
                ? OriginalVariable.hypotheticalPlace(old.address())
                : TrampolineIslands.roomNear(old.address(), n, target.book(), target.libc(), slotsTaken)), clones);
        if (planOnly) {
            plan = ReferenceStep.withChecks(provisional(plan).withCheck(Check.pass("symbols", "the patch is loaded in the process already")), refs);
        } else {
            refuseUnless(plan, old, loaded ? "; the patch library " + patch + " stays loaded, unused (no code was changed)" : "");
        }
        t.lap("plan near");
        AppliedPatch earlier = existing.filter(e -> e.target() != fresh.address()).orElse(null);
        return new Prepared(plan, patch.toString(), loaded, loadMillis, earlier);
    }

    private static SitePlan withClones(SitePlan plan, Optional<Check> clones) {
        return clones.map(plan::withCheck).orElse(plan);
    }

    /** What the batch replaces and the record holds, resolved once a clone asks (a big transaction has few clones). */
    private Set<Long> replacedToo(List<AppliedPatch> inForce) {
        if (replacedToo == null) {
            Set<Long> all = new HashSet<>();
            inForce.forEach(p -> all.add(p.entry()));
            for (ReplaceSpec other : batch) {
                try {
                    all.add(target.symbols().resolve(other.oldName(), other.library(), patchFiles(inForce)).address());
                } catch (TfixException e) {
                    // refused on its own when its turn comes
                }
            }
            replacedToo = all;
        }
        return replacedToo;
    }

    /**
     * The site surveyed and planned for a new function at {@code fresh}, taking over a patch in force there;
     * a function refused only for want of room is planned through its callers. {@code slot} gives a trampoline
     * slot near an address.
     */
    private SitePlan plan(FunctionRef old, FunctionRef fresh, Optional<AppliedPatch> existing, LongUnaryOperator slot,
                          boolean planOnly) {
        SiteRequest request = new SiteSurvey(memory, decoder, branchIndexes)
                .survey(old, fresh.displayName(), fresh.module().path(), fresh.address());
        AppliedPatch earlier = existing.filter(e -> e.target() != fresh.address()).orElse(null);
        if (existing.isPresent() && earlier == null && ShortJump.isShort(existing.get().patch())) {
            AppliedPatch e = existing.get(); // a pad jump in place, whichever route wrote it
            return ShortPlanner.inPlace(request, e.site(), e.original(), e.patch(), e.trampoline());
        }
        Check stopping = null;
        if (withoutStop) {
            Set<Long> used = new HashSet<>(target.book().usedSlots());
            used.addAll(slotsTaken);
            SitePlan pad = new ShortPlanner(decoder).plan(earlier == null ? request : request.takingOver(earlier.patch()),
                    new PadSurvey(memory, branchIndexes).survey(old, used, fresh.address()),
                    () -> slot.applyAsLong(old.address()));
            if (pad.ok()) {
                if (!planOnly) {
                    slotsTaken.add(ShortJump.pad(pad.site(), pad.patch()));
                }
                return pad;
            }
            stopping = Check.pass("write", "stopping every thread for it (no 2-byte jump without a stop: "
                    + pad.failures().stream().map(Check::detail).collect(Collectors.joining("; ")) + ")");
        } else if (stopWhy != null) {
            stopping = Check.pass("write", "stopping every thread for it (" + stopWhy + ")");
        }
        SitePlan jump = planStopping(old, request, existing, earlier, slot);
        return stopping == null ? jump : jump.withCheck(stopping);
    }

    private SitePlan planStopping(FunctionRef old, SiteRequest request, Optional<AppliedPatch> existing,
                                  AppliedPatch earlier, LongUnaryOperator slot) {
        if (existing.isPresent() && earlier == null) {
            request = request.viaTrampoline(existing.get().trampoline()); // what is in place: recognised as already applied
        } else if (earlier != null) {
            request = request.takingOver(earlier.patch()); // v2 to v3: one write takes the site over
        }
        SitePlan jump = new JumpChoice(new Planner(decoder)).plan(request, () -> slot.applyAsLong(old.address()));
        if (!CallerPlanner.onlyLacksRoom(jump)) {
            return jump;
        }
        CallerRequest callers = new CallerSurvey(memory, decoder, branchIndexes).survey(old, target.symbols().modules());
        return new CallerPlanner(decoder).plan(jump, callers, slot);
    }

    /**
     * Every check of one replacement that needs no patch loaded; refuses it, loading nothing, when one fails.
     * A write runs this for every replacement before it loads any patch. Returns the plan, planned far away,
     * when the patch is still to be loaded (its site's first bytes are what the threads are checked against).
     */
    public Optional<SitePlan> preflight(ReplaceSpec spec) {
        if (spec.importer() != null) { // data, not code: no thread can be inside it
            imports.preflight(spec);
            return Optional.empty();
        }
        boolean loaded = sources.place(sources.resolve(spec.patchFile(), spec.sha256()))
                .loadedAs(process.maps()).isPresent();
        SitePlan plan = prepare(spec, true).plan();
        references.refuseUnlessBound(plan.function(), "; no patch was loaded");
        refuseUnless(plan, plan.function(), "; no patch was loaded");
        farChecked.add(spec); // the same checks prepare makes before loading: passed, so not made twice
        return loaded ? Optional.empty() : Optional.of(plan);
    }

    private static void refuseUnless(SitePlan plan, FunctionRef old, String consequence) {
        refuseUnless(plan, old.displayName(), consequence);
    }

    /** A patch whose symbols will not resolve is a bad patch file; any other failed check makes the site unsafe. */
    private static void refuseUnless(SitePlan plan, String function, String consequence) {
        if (!plan.ok()) {
            boolean symbols = plan.failures().stream().anyMatch(c -> c.name().equals("symbols"));
            throw new TfixException(symbols ? Reason.BAD_PATCH_FILE : Reason.UNSAFE_SITE, "cannot replace " + function
                    + ": " + plan.failures().stream().map(Check::detail).collect(Collectors.joining("; ")) + consequence);
        }
    }

    private static Set<String> patchFiles(List<AppliedPatch> inForce) {
        return inForce.stream().map(AppliedPatch::patchFile).collect(Collectors.toSet());
    }

    /** The patch's symbols as if it were loaded far from everything: for planning without loading it. */
    private ProcessSymbols unloaded(Path patch, ElfImage image) {
        long base = 0x7e0000000000L;
        MemoryMap map = new MemoryMap(base, base + (1L << 32), "r-xp", 0, "00:00", 0, patch.toString());
        return new ProcessSymbols(process.pid(), List.of(new LoadedModule(patch.toString(), List.of(map), image)), demangler);
    }

    /** A plan that changes nothing shows room it did not take: say so, or its addresses read as real ones. */
    private static SitePlan provisional(SitePlan plan) {
        if (plan.trampoline() == 0 && plan.copy() == null) {
            return plan;
        }
        return plan.withCheck(Check.pass("placement", "the trampoline and copy addresses shown are where they could go;"
                + " applying takes free room near the function, at addresses chosen then"));
    }
}
