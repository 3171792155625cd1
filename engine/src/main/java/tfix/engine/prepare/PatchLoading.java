package tfix.engine.prepare;

import java.nio.file.Path;

import tfix.engine.elf.ElfCache;
import tfix.engine.elf.ElfImage;
import tfix.engine.process.TargetProcess;
import tfix.engine.remote.PatchLoader;
import tfix.engine.remote.PatchPlace;

/**
 * Loads a patch for any kind of replace (a jump or an import slot) and binds its references before
 * anything can lead into its code; when only planning, loads nothing and says where it would be.
 */
final class PatchLoading {
    private final TargetProcess process;
    private final Attached target;
    private final ElfCache cache;
    private final ReferenceStep references;

    /** {@code module}: the patch's module in the target (its path, or its memfd copy). */
    record Loaded(boolean loaded, double millis, String module) {
    }

    PatchLoading(TargetProcess process, Attached target, ElfCache cache, ReferenceStep references) {
        this.process = process;
        this.target = target;
        this.cache = cache;
        this.references = references;
    }

    Loaded load(PatchPlace place, Path patch, ElfImage image, ReferencePlan refs, String what, boolean planOnly) {
        long start = System.nanoTime();
        boolean loaded = !planOnly && new PatchLoader(target.libc()).load(process.maps(), place);
        double millis = loaded ? (System.nanoTime() - start) / 1e6 : 0;
        if (loaded) {
            target.reload();
        }
        String module = planOnly ? place.loadedAs(process.maps()).orElse(patch.toString())
                : PatchPlaces.loadedModule(place, image, process, target, cache);
        if (!planOnly) { // the patch's slots filled before any jump or import slot can lead into it
            references.bind(refs, patch, module, what, loaded);
        }
        return new Loaded(loaded, millis, module);
    }
}
