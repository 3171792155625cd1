package tfix.engine.elf;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import tfix.engine.failure.TfixException;

/** Parsed ELF files, kept for a session: a library shared by many processes is read once. */
public final class ElfCache {
    private final Map<String, Optional<ElfImage>> images = new ConcurrentHashMap<>();

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
