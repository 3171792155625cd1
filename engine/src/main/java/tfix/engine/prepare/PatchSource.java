package tfix.engine.prepare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import tfix.engine.guard.PatchFileGuard;
import tfix.engine.guard.PatchFiles;
import tfix.engine.guard.PatchStore;

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

    PatchSource(int pid, int euid, PatchStore store) {
        this.pid = pid;
        this.euid = euid;
        this.store = store;
    }

    /** The path to load {@code userPath}'s patch by, its pinned SHA-256 ({@code sha256}, may be null) checked. */
    Path resolve(Path userPath, String sha256) {
        Path patch = PatchFiles.canonical(userPath);
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
