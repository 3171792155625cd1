package tfix.engine.elf;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import tfix.engine.failure.TfixException;

/** Parsed ELF files, kept for a session: a library shared by many processes is read once. */
public final class ElfCache {
    private final Map<String, Optional<ElfImage>> images = new ConcurrentHashMap<>();

    /**
     * Gives the image of a file tfix read by other means, for a mapping it cannot open (a patch's memfd copy
     * without CAP_SYS_ADMIN for /proc/PID/map_files: its bytes are the patch file's, checked by digest).
     */
    public void offer(String path, long inode, ElfImage image) {
        images.merge(path + "#" + inode, Optional.of(image), (was, now) -> was.isPresent() ? was : now);
    }

    public Optional<ElfImage> get(String path, Path openable, long inode) {
        return images.computeIfAbsent(path + "#" + inode, k -> {
            try {
                return Optional.of(ElfImage.read(openable));
            } catch (TfixException e) {
                return Optional.empty();
            }
        });
    }
}
