package tfix.engine.remote;

import java.nio.file.Path;
import java.util.Optional;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.process.Maps;
import tfix.engine.process.MemoryMap;

/**
 * Where a target finds a patch: at the patch's own path, when the target sees that very file there, or
 * as a copy tfix hands it through a memfd ({@code copied}), when the path means nothing or another file
 * in the target's mount namespace or root (a container, a chroot). The copy is named after the file's
 * digest, so a later run finds it loaded and a rebuilt patch gets a copy of its own.
 */
public record PatchPlace(Path file, String sha256, boolean copied) {
    private static final int NAME_MAX = 200; // memfd_create takes at most 249 bytes

    /** The memfd's name: the digest's first 16 hex digits and the file's name. */
    public String copyName() {
        String name = file.getFileName().toString();
        if (name.length() > NAME_MAX) {
            name = name.substring(0, NAME_MAX);
        }
        return MemoryMap.PATCH_COPY.substring("/memfd:".length()) + sha256.substring(0, 16) + ":" + name;
    }

    /** How the copy shows in /proc/PID/maps (a memfd always shows as deleted). */
    public String copyMapsName() {
        return "/memfd:" + copyName() + " (deleted)";
    }

    /**
     * The patch's module as the target maps it, if loaded: its path, or its memfd copy (either way: a
     * patch loaded by path is not loaded again as a copy, nor the reverse). Fails when an earlier build of
     * the file, since replaced on disk, is loaded by path: dlopen would hand back the old copy.
     */
    public Optional<String> loadedAs(Maps maps) {
        String p = file.toString();
        if (!copied && maps.entries().stream().anyMatch(m -> m.path().equals(p + " (deleted)"))) {
            throw new TfixException(Reason.BAD_PATCH_FILE, "an earlier build of " + p + " is loaded in the target and"
                    + " the file has been replaced since: give the new patch a file name of its own");
        }
        String copy = copyMapsName();
        return maps.entries().stream().map(MemoryMap::path).filter(m -> m.equals(p) || m.equals(copy)).findFirst();
    }
}
