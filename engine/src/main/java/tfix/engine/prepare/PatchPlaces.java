package tfix.engine.prepare;

import java.nio.file.Path;

import tfix.engine.guard.FileDigest;
import tfix.engine.guard.PatchFiles;
import tfix.engine.remote.PatchPlace;

/** Where a target will find a patch: at its path when it sees the same file there, else in a memfd copy. */
final class PatchPlaces {
    private PatchPlaces() {
    }

    static PatchPlace of(int pid, Path canonical) {
        return new PatchPlace(canonical, FileDigest.sha256(canonical), !PatchFiles.sameForTarget(pid, canonical));
    }
}
