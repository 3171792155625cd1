package tfix.engine.prepare;

import java.nio.file.Path;

import tfix.engine.elf.ElfCache;
import tfix.engine.elf.ElfImage;
import tfix.engine.guard.FileDigest;
import tfix.engine.guard.PatchFiles;
import tfix.engine.process.MemoryMap;
import tfix.engine.process.TargetProcess;
import tfix.engine.remote.PatchPlace;

/** Where a target will find a patch: at its path when it sees the same file there, else in a memfd copy. */
final class PatchPlaces {
    private PatchPlaces() {
    }

    static PatchPlace of(int pid, Path canonical) {
        return new PatchPlace(canonical, FileDigest.sha256(canonical), !PatchFiles.sameForTarget(pid, canonical));
    }

    /**
     * The patch's module in the target once loaded (its path, or its memfd copy), its symbols known: a tfix
     * without CAP_SYS_ADMIN cannot open the copy through /proc/PID/map_files, so the file's image stands for it
     * (the copy is named after the file's digest).
     */
    static String loadedModule(PatchPlace place, ElfImage image, TargetProcess process, Attached target, ElfCache cache) {
        String module = place.loadedAs(process.maps()).orElse(place.file().toString());
        if (MemoryMap.isPatchCopy(module) && target.symbols().moduleByPath(module).isEmpty()) {
            process.maps().entries().stream().filter(m -> m.path().equals(module)).findFirst()
                    .ifPresent(m -> cache.offer(module, m.inode(), image));
            target.reload();
        }
        return module;
    }
}
