package tfix.engine.remote;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import tfix.engine.TfixException;
import tfix.engine.process.Maps;

/** Makes the target load a patch library with its own dlopen, by absolute path. */
public final class PatchLoader {
    private static final int RTLD_NOW = 2;
    private final RemoteCaller caller;

    public PatchLoader(RemoteCaller caller) {
        this.caller = caller;
    }

    /** The canonical path tfix loads a patch by; fails with a plain message for a missing or unusable file. */
    public static Path canonical(Path patch) {
        if (!Files.exists(patch)) {
            throw new TfixException("patch file " + patch + " not found: check the path (relative paths are resolved"
                    + " against the script's folder, or the current folder for exec)");
        }
        if (!Files.isRegularFile(patch) || !Files.isReadable(patch)) {
            throw new TfixException("patch file " + patch + " is not a readable regular file");
        }
        try {
            byte[] head = new byte[20];
            try (var in = Files.newInputStream(patch)) {
                if (in.readNBytes(head, 0, 20) < 20 || head[0] != 0x7f || head[1] != 'E' || head[2] != 'L' || head[3] != 'F') {
                    throw new TfixException("patch file " + patch + " is not an ELF shared object: build it with gcc -shared -fPIC");
                }
            }
            if (head[16] != 3) {
                throw new TfixException("patch file " + patch + " is not a shared object (ELF type " + head[16]
                        + "): build it with gcc -shared -fPIC");
            }
            return patch.toRealPath();
        } catch (IOException e) {
            throw new TfixException("cannot read patch file " + patch + ": " + e.getMessage());
        }
    }

    public static boolean isLoaded(Maps maps, Path canonical) {
        String p = canonical.toString();
        if (maps.entries().stream().anyMatch(m -> m.path().equals(p + " (deleted)"))) {
            // dlopen would hand back the old copy: the new code would never run.
            throw new TfixException("an earlier build of " + p + " is loaded in the target and the file has been replaced"
                    + " since: give the new patch a file name of its own");
        }
        return maps.entries().stream().anyMatch(m -> m.path().equals(p));
    }

    /** Loads the library unless the process has it mapped already. Returns true if it was loaded now. */
    public boolean load(Maps maps, Path canonical) {
        if (isLoaded(maps, canonical)) {
            return false;
        }
        long dlopen = caller.libcSymbol("dlopen").or(() -> caller.libcSymbol("__libc_dlopen_mode")).orElseThrow(() ->
                new TfixException("the target's libc has neither dlopen nor __libc_dlopen_mode: is it statically linked?"));
        long handle = caller.call("dlopen of " + canonical, dlopen, RemoteCaller.string(canonical.toString()),
                RemoteCaller.value(RTLD_NOW));
        if (handle == 0) {
            String why = caller.libcSymbol("dlerror").map(f -> {
                long msg = caller.call("dlerror", f);
                return msg == 0 ? "no reason given" : caller.readString(msg, 4096);
            }).orElse("no reason given");
            throw new TfixException("the target could not load " + canonical + ": " + why);
        }
        return true;
    }
}
