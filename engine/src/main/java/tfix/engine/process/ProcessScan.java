package tfix.engine.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Finds processes on this host from /proc, without tracing any: those that run or map one file
 * (matched by device and inode, so a renamed copy matches and an upgraded file does not), and
 * those that carry a tfix record. A process that exits during the scan is simply not listed.
 */
public final class ProcessScan {
    private final Path proc;

    public ProcessScan() {
        this(Path.of("/proc"));
    }

    ProcessScan(Path proc) {
        this.proc = proc;
    }

    /** Every process id on the host but tfix's own, ascending. */
    public List<Integer> all() {
        long self = ProcessHandle.current().pid();
        List<Integer> pids = new ArrayList<>();
        try (Stream<Path> entries = Files.list(proc)) {
            entries.map(p -> p.getFileName().toString()).filter(n -> n.chars().allMatch(Character::isDigit) && !n.isEmpty())
                    .mapToLong(Long::parseLong).filter(p -> p != self && p <= Integer.MAX_VALUE).sorted()
                    .forEach(p -> pids.add((int) p));
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + proc + ": " + e.getMessage(), e);
        }
        return pids;
    }

    /** The processes that run {@code file} as their program or map it as code (a library), ascending. */
    public List<Integer> using(FileIdentity file) {
        List<Integer> out = new ArrayList<>();
        for (int pid : all()) {
            if (runs(pid, file) || maps(pid, file)) {
                out.add(pid);
            }
        }
        return out;
    }

    /**
     * The processes with a mapping whose path starts with {@code prefix} (such as the memfd of tfix's
     * record, "/memfd:tfix-record"), ascending; read from /proc/PID/maps alone.
     */
    public List<Integer> mapping(String prefix) {
        List<Integer> out = new ArrayList<>();
        for (int pid : all()) {
            try (Stream<String> lines = Files.lines(proc.resolve(pid + "/maps"))) {
                if (lines.anyMatch(l -> {
                    int slash = l.indexOf('/');
                    return slash > 0 && l.startsWith(prefix, slash);
                })) {
                    out.add(pid);
                }
            } catch (IOException | RuntimeException e) {
                // gone meanwhile, or a kernel thread: not listed
            }
        }
        return out;
    }

    private boolean runs(int pid, FileIdentity file) {
        return FileIdentity.of(proc.resolve(pid + "/exe")).map(file::equals).orElse(false);
    }

    private boolean maps(int pid, FileIdentity file) {
        try (Stream<String> lines = Files.lines(proc.resolve(pid + "/maps"))) {
            return lines.anyMatch(l -> {
                try {
                    MemoryMap m = MemoryMap.parse(l);
                    // As code: another tfix reading the file (its ELF cache maps it read-only) does not run it.
                    return m.executable() && file.isMappedBy(m);
                } catch (RuntimeException e) {
                    return false;
                }
            });
        } catch (IOException | RuntimeException e) {
            return false; // gone, or a kernel thread: it maps nothing
        }
    }
}
