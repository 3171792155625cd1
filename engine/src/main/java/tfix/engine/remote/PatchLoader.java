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
            if (hasInterpreter(patch)) {
                throw new TfixException("patch file " + patch + " is a program, not a shared library: build the patch"
                        + " with gcc -shared -fPIC");
            }
            return patch.toRealPath();
        } catch (IOException e) {
            throw new TfixException("cannot read patch file " + patch + ": " + e.getMessage());
        }
    }

    /** A PT_INTERP program header marks an executable (a PIE is ET_DYN too). */
    private static boolean hasInterpreter(Path file) throws IOException {
        try (var ch = java.nio.channels.FileChannel.open(file)) {
            java.nio.ByteBuffer h = java.nio.ByteBuffer.allocate(64).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            ch.read(h, 0);
            long phoff = h.getLong(0x20);
            int phentsize = h.getShort(0x36) & 0xffff, phnum = h.getShort(0x38) & 0xffff;
            java.nio.ByteBuffer ph = java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < phnum; i++) {
                ph.clear();
                ch.read(ph, phoff + (long) i * phentsize);
                if (ph.getInt(0) == 3) {
                    return true;
                }
            }
        }
        return false;
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
