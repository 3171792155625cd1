package tfix.engine.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A snapshot of a process's memory maps. */
public record Maps(List<MemoryMap> entries) {

    public static Maps read(int pid) {
        try {
            List<MemoryMap> list = new ArrayList<>();
            for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(pid), "maps"))) {
                if (!line.isBlank()) {
                    list.add(MemoryMap.parse(line));
                }
            }
            return new Maps(List.copyOf(list));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/" + pid + "/maps", e);
        }
    }

    public Optional<MemoryMap> find(long address) {
        return entries.stream().filter(m -> m.contains(address)).findFirst();
    }

    /** Mapped files in load order, each with all its mappings. */
    public Map<String, List<MemoryMap>> files() {
        Map<String, List<MemoryMap>> files = new LinkedHashMap<>();
        for (MemoryMap m : entries) {
            if (m.isFile()) {
                files.computeIfAbsent(m.path(), k -> new ArrayList<>()).add(m);
            }
        }
        return files;
    }
}
