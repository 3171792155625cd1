package tfix.engine.elf;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import tfix.engine.failure.TfixException;

/** Parsed ELF files, kept for a session: a library shared by many processes is read once. */
public final class ElfCache {
    private final Map<String, Optional<ElfImage>> images = new ConcurrentHashMap<>();
    private final Map<String, DebugSymbols> debug = new ConcurrentHashMap<>();

    /**
     * Gives the image of a file tfix read by other means, for a mapping it cannot open (a patch's memfd copy
     * without CAP_SYS_ADMIN for /proc/PID/map_files: its bytes are the patch file's, checked by digest).
     */
    public void offer(String path, long inode, ElfImage image) {
        images.merge(path + "#" + inode, Optional.of(image), (was, now) -> was.isPresent() ? was : now);
    }

    public Optional<ElfImage> get(String path, Path openable, long inode) {
        Optional<ElfImage> known = images.get(path + "#" + inode);
        if (known != null && known.isPresent()) {
            return known;
        }
        // A file that could not be read is not remembered as unreadable: another route may open it (a process
        // closed to ptrace, whose /proc links fail, is read by path when reached through its agent).
        try {
            return images.computeIfAbsent(path + "#" + inode, k -> Optional.of(ElfImage.read(openable)));
        } catch (TfixException e) {
            return Optional.empty();
        }
    }

    /**
     * The separate debug symbols of a module mapped from {@code path} by a process whose root is {@code root},
     * looked for once per module build and root (its build-id, else its identity in the image cache) once found.
     */
    public DebugSymbols debugFor(ElfImage module, String path, Path root) {
        String key = rootIdentity(root) + "#" + path + "#" + module.buildId().orElse("no build-id " + System.identityHashCode(module));
        DebugSymbols known = debug.get(key);
        if (known != null) {
            return known;
        }
        DebugSymbols found = DebugFiles.find(module, path, root);
        if (!found.files().isEmpty()) { // none found is not kept: a debug package installed later is seen by the next process
            debug.putIfAbsent(key, found);
        }
        return found;
    }

    /** The root directory's device and inode: processes that share a root share their debug files (a fleet reads libc's once). */
    private static String rootIdentity(Path root) {
        try {
            return java.nio.file.Files.readAttributes(root, "unix:dev,ino").toString();
        } catch (java.io.IOException | RuntimeException e) {
            return root.toString();
        }
    }
}
