package tfix.engine.remote;

import java.nio.file.Path;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.process.Maps;
import tfix.engine.sys.Mman;

/** Makes the target load a patch library with its own dlopen, by absolute path. */
public final class PatchLoader {
    private final RemoteLibc libc;

    public PatchLoader(RemoteLibc libc) {
        this.libc = libc;
    }

    /** Whether the target maps this patch file already; fails when an earlier build of it is loaded. */
    public static boolean isLoaded(Maps maps, Path canonical) {
        String p = canonical.toString();
        if (maps.entries().stream().anyMatch(m -> m.path().equals(p + " (deleted)"))) {
            // dlopen would hand back the old copy: the new code would never run.
            throw new TfixException(Reason.BAD_PATCH_FILE, "an earlier build of " + p + " is loaded in the target and"
                    + " the file has been replaced since: give the new patch a file name of its own");
        }
        return maps.entries().stream().anyMatch(m -> m.path().equals(p));
    }

    /** Loads the library unless the process has it mapped already. Returns true if it was loaded now. */
    public boolean load(Maps maps, Path canonical) {
        if (isLoaded(maps, canonical)) {
            return false;
        }
        if (libc.dlopen(canonical.toString(), Mman.RTLD_NOW) == 0) {
            throw new TfixException(Reason.TARGET_REFUSED, "the target could not load " + canonical + ": " + libc.dlerror());
        }
        return true;
    }
}
