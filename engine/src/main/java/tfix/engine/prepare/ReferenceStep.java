package tfix.engine.prepare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import tfix.engine.elf.ElfImage;
import tfix.engine.elf.PatchReferences;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.patch.Check;
import tfix.engine.patch.SitePlan;
import tfix.engine.process.ProcMemory;
import tfix.engine.process.TargetProcess;
import tfix.engine.record.AppliedPatch;

/**
 * The patch's weak references to the program, for every kind of replace: resolved from the files
 * before the patch is loaded (refused there when one cannot be), and written into the patch's slots
 * right after it is loaded, before any jump or import slot can lead into its code.
 */
final class ReferenceStep {
    private final TargetProcess process;
    private final ProcMemory memory;
    private final Attached target;

    ReferenceStep(TargetProcess process, ProcMemory memory, Attached target) {
        this.process = process;
        this.memory = memory;
        this.target = target;
    }

    /** The references resolved, the module {@code firstModule} searched first (from files: nothing loaded). */
    ReferencePlan plan(Path patch, ElfImage image, String firstModule, List<AppliedPatch> inForce) {
        PatchReferences refs;
        try {
            refs = image.patchReferences();
        } catch (RuntimeException e) {
            throw new TfixException(Reason.BAD_PATCH_FILE, "cannot read the relocations of " + patch + ": " + e.getMessage());
        }
        if (refs.isEmpty()) {
            return ReferencePlan.NONE;
        }
        Set<String> excluded = new HashSet<>();
        inForce.forEach(p -> excluded.add(p.patchFile()));
        excluded.add(patch.toString());
        String exe;
        try {
            exe = Files.readSymbolicLink(process.proc().resolve("exe")).toString();
        } catch (IOException | RuntimeException e) {
            exe = null; // the executable is then searched in load order with the others
        }
        return new ReferenceResolver(target.symbols().modules(), firstModule, exe, excluded,
                new IfuncReferences(target.symbols(), memory)).resolve(refs);
    }

    /** After the patch is loaded (or found loaded) as {@code module} (its path or its memfd copy): its slots filled and read back. */
    void bind(ReferencePlan refs, Path patch, String module, String function, boolean loaded) {
        refs.refuseUnlessBound(function, loaded ? "; the patch library " + patch + " stays loaded, unused" : "");
        TlsModules tls = new TlsModules(target.symbols().modules(), memory);
        new ReferenceBinder(memory, path -> tls.of(target.symbols().moduleByPath(path).orElseThrow(() -> new TfixException(
                Reason.TARGET_REFUSED, "the target no longer maps " + path + ", whose thread-local variable the patch uses"))))
                .bind(refs, target.symbols().moduleByPath(module).orElseThrow(() ->
                new TfixException(Reason.TARGET_REFUSED, "the target maps no " + patch + " after loading it")));
    }

    /** The plan with a line per reference (where it binds, or why it cannot). */
    static SitePlan withChecks(SitePlan plan, ReferencePlan refs) {
        for (Check c : refs.checks()) {
            plan = plan.withCheck(c);
        }
        return plan;
    }
}
