package tfix.engine.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * A process on this machine, seen through /proc. Holds no state beyond its pid, and, for a process tfix may not
 * trace (whose /proc/PID/maps, mem and root are closed to it), where its maps are read instead: its agent.
 */
public record TargetProcess(int pid, Supplier<Maps> mapsFrom) {

    public TargetProcess(int pid) {
        this(pid, null);
    }

    public Path proc() {
        return Path.of("/proc", Integer.toString(pid));
    }

    public List<Integer> threadIds() {
        List<Integer> tids = new ArrayList<>();
        try (Stream<Path> s = Files.list(proc().resolve("task"))) {
            s.forEach(p -> tids.add(Integer.parseInt(p.getFileName().toString())));
        } catch (IOException e) {
            // The process is gone; callers treat an empty list as that.
        }
        tids.sort(null);
        return tids;
    }

    public Maps maps() {
        return mapsFrom == null ? Maps.read(pid) : mapsFrom.get();
    }

    /** Whether any thread still runs: a process whose main thread ended (pthread_exit) lives on in the others. */
    public boolean alive() {
        if (ProcStatus.of(pid).map(s -> !s.isZombie()).orElse(false)) {
            return true;
        }
        for (int tid : threadIds()) {
            Path status = proc().resolve("task").resolve(Integer.toString(tid)).resolve("status");
            if (ProcStatus.read(status, tid).map(s -> !s.isZombie()).orElse(false)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Path of a mapped file as the target sees it: through map_files when it opens, else root-relative. An open
     * decides, not access(2): root's access check uses its permitted capabilities, so a tfix without
     * CAP_SYS_PTRACE in effect (one that reaches an undumpable process through its agent) would be told yes.
     * Reached through its agent, a process whose /proc links are closed to tfix: the path as this tfix sees it.
     */
    public Path openableFile(MemoryMap mapping) {
        Path viaMapFiles = proc().resolve("map_files").resolve(mapping.mapFilesName());
        if (opens(viaMapFiles)) {
            return viaMapFiles;
        }
        Path viaRoot = proc().resolve("root").resolve(mapping.path().substring(1));
        return mapsFrom != null && !opens(viaRoot) ? Path.of(mapping.path()) : viaRoot;
    }

    private static boolean opens(Path file) {
        try (var c = Files.newByteChannel(file)) {
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Gone, or on its way out: an exit takes a moment to show in /proc (longer on a busy host), so look for a while. */
    public boolean exitingOrGone() {
        for (int i = 0; i < 50; i++) {
            if (!alive() || maps().entries().isEmpty()) {
                return true;
            }
            LockSupport.parkNanos(10_000_000);
        }
        return false;
    }

    public String commandName() {
        return ProcStatus.of(pid).map(ProcStatus::name).orElse("?");
    }
}
