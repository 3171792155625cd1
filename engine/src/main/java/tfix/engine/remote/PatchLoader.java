package tfix.engine.remote;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.process.Maps;
import tfix.engine.sys.Mman;
import tfix.engine.timing.Phases;

/** Makes the target load a patch library with its own dlopen: by absolute path, or from a memfd copy. */
public final class PatchLoader {
    private final RemoteLibc libc;

    public PatchLoader(RemoteLibc libc) {
        this.libc = libc;
    }

    /** Loads the library unless the process has it mapped already (by path or as a copy). Returns true if loaded now. */
    public boolean load(Maps maps, PatchPlace place) {
        if (place.loadedAs(maps).isPresent()) {
            return false;
        }
        if (place.copied()) {
            new PatchCopy(libc).load(place);
            return true;
        }
        long handle;
        try (Phases.Span s = Phases.start("patch load (dlopen)")) {
            handle = libc.dlopen(place.file().toString(), Mman.RTLD_NOW);
        }
        if (handle == 0) {
            throw new TfixException(Reason.TARGET_REFUSED, "the target could not load " + place.file() + ": " + libc.dlerror());
        }
        return true;
    }
}
