package tfix.engine.elf;

import java.nio.file.Path;
import java.util.Optional;

import tfix.engine.failure.TfixException;

/**
 * Parsed ELF files, kept for a session or, in the resident service, across commands: a library shared by many
 * processes is read once. An image is known by its path, inode and what stat says of the file it was read from
 * (device, inode, modification time, size), so a file rebuilt in place is read again; at most {@link #IMAGES} are
 * kept, the least recently used dropped first.
 */
public final class ElfCache {
    static final int IMAGES = 256;
    private final RecentlyUsed<Optional<ElfImage>> images = new RecentlyUsed<>(IMAGES);
    private final RecentlyUsed<DebugSymbols> debug = new RecentlyUsed<>(IMAGES);

    /**
     * Gives the image of a file tfix read by other means, for a mapping it cannot open (a patch's memfd copy
     * without CAP_SYS_ADMIN for /proc/PID/map_files: its bytes are the patch file's, checked by digest).
     */
    public void offer(String path, long inode, ElfImage image) {
        images.merge(path + "#" + inode + "#offered", Optional.of(image), (was, now) -> was.isPresent() ? was : now);
    }

    public Optional<ElfImage> get(String path, Path openable, long inode) {
        Optional<ElfImage> offered = images.get(path + "#" + inode + "#offered");
        if (offered != null) {
            return offered;
        }
        // A file that could not be read is not remembered as unreadable: another route may open it (a process
        // closed to ptrace, whose /proc links fail, is read by path when reached through its agent).
        try {
            return images.computeIfAbsent(path + "#" + inode + "#" + stamp(openable), k -> Optional.of(ElfImage.read(openable)));
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

    /** What stat says of the file now; a file that cannot be stat'ed gets no stamp (and is read as before). */
    private static String stamp(Path openable) {
        try {
            return java.nio.file.Files.readAttributes(openable, "unix:dev,ino,lastModifiedTime,size").toString();
        } catch (java.io.IOException | RuntimeException e) {
            return "unstamped";
        }
    }

    public int imagesKept() {
        return images.size();
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
