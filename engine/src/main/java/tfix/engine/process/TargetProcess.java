package tfix.engine.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/** A process on this machine, seen through /proc. Holds no state beyond its pid. */
public record TargetProcess(int pid) {

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
        return Maps.read(pid);
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

    /** Path of a mapped file as the target sees it: through map_files when possible, else root-relative. */
    public Path openableFile(MemoryMap mapping) {
        Path viaMapFiles = proc().resolve("map_files").resolve(mapping.mapFilesName());
        if (Files.isReadable(viaMapFiles)) {
            return viaMapFiles;
        }
        return proc().resolve("root").resolve(mapping.path().substring(1));
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
