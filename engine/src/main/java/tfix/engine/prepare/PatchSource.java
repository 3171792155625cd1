package tfix.engine.prepare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import tfix.engine.guard.PatchFileGuard;
import tfix.engine.guard.PatchFiles;
import tfix.engine.guard.PatchStore;
import tfix.engine.remote.PatchPlace;

/**
 * The file a replace loads: the user's patch file checked (what it is, who may change it), then its copy in the
 * {@link PatchStore}, which the record names and the target's dlopen opens. A target that cannot see the store
 * (another mount namespace or root) loads the user's file: by its path when it sees that same file there, else
 * through a memfd copy ({@link PatchPlaces}).
 */
final class PatchSource {
    private final int pid;
    private final int euid;
    private final PatchStore store;
    /** Files stored in this session, by the user's file's path, inode, size and time: a rebuild is stored anew. */
    private final Map<String, Path> stored = new HashMap<>();
    /**
     * What one write has decided already, by the same identity: a transaction of a thousand replaces from one
     * patch checks, hashes and places it once, not three times per replace.
     */
    private final Map<String, Path> resolved = new HashMap<>();
    private final Map<String, PatchPlace> places = new HashMap<>();

    PatchSource(int pid, int euid, PatchStore store) {
        this.pid = pid;
        this.euid = euid;
        this.store = store;
    }

    /** A new write (or plan) begins: every file is checked again. */
    void newWrite() {
        resolved.clear();
        places.clear();
    }

    /** Where the target will find {@code file} (its path, or a memfd copy), decided once a write. */
    PatchPlace place(Path file) {
        return places.computeIfAbsent(identity(file), k -> PatchPlaces.of(pid, file));
    }

    /** The path to load {@code userPath}'s patch by, its pinned SHA-256 ({@code sha256}, may be null) checked. */
    Path resolve(Path userPath, String sha256) {
        Path canonical = PatchFiles.canonical(userPath);
        String key = identity(canonical) + "#" + sha256;
        Path done = resolved.get(key);
        if (done != null) {
            return done;
        }
        Path file = resolveOnce(canonical, sha256);
        resolved.put(key, file);
        return file;
    }

    private Path resolveOnce(Path patch, String sha256) {
        PatchFileGuard.check(patch, euid);
        Path file = stored.get(identity(patch));
        if (file == null || !Files.isRegularFile(file)) {
            file = store.store(patch).file();
            stored.put(identity(patch), file);
        }
        if (!PatchFiles.sameForTarget(pid, file)) {
            file = patch; // the store is out of its sight: the user's file (handed over as a memfd copy if need be)
        }
        Pins.checkSha256(file, sha256);
        return file;
    }

    private static String identity(Path patch) {
        try {
            return patch + "#" + Files.getAttribute(patch, "unix:ino") + "#" + Files.size(patch) + "#"
                    + Files.getLastModifiedTime(patch).toInstant();
        } catch (IOException e) {
            return patch + "#" + System.nanoTime(); // unknown: stored again
        }
    }
}
