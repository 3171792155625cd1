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

    public Optional<ElfImage> get(String path, Path openable, long inode) {
        return images.computeIfAbsent(path + "#" + inode, k -> {
            try {
                return Optional.of(ElfImage.read(openable));
            } catch (TfixException e) {
                return Optional.empty();
            }
        });
    }

    /**
     * The separate debug symbols of a module mapped from {@code path} by a process whose root is {@code root},
     * looked for once per module build (its build-id, else its identity in the image cache).
     */
    public DebugSymbols debugFor(ElfImage module, String path, Path root) {
        String key = root + "#" + path + "#" + module.buildId().orElse("no build-id " + System.identityHashCode(module));
        return debug.computeIfAbsent(key, k -> DebugFiles.find(module, path, root));
    }
}
