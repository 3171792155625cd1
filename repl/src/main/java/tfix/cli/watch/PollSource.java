package tfix.cli.watch;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;

import tfix.engine.process.FileIdentity;
import tfix.engine.process.ProcessScan;

/**
 * A poll of /proc every period: a process is reported when it is new or its executable changed (a fork that
 * then exec'd keeps its pid). A process that exec's its own program again keeps its executable: not reported.
 */
final class PollSource implements ExecSource {
    private final int periodMillis;
    private final ProcessScan scan = new ProcessScan();
    private Map<Integer, String> seen = new HashMap<>();
    private boolean first = true;

    /** Takes its baseline now: the watch opens it before it looks for the processes running already. */
    PollSource(int periodMillis) {
        this.periodMillis = periodMillis;
        next();
    }

    @Override
    public List<NewProcess> next() {
        if (!first) {
            LockSupport.parkNanos(periodMillis * 1_000_000L);
        }
        Map<Integer, String> now = new HashMap<>();
        List<NewProcess> changed = new java.util.ArrayList<>();
        for (int pid : scan.all()) {
            String image = image(pid);
            now.put(pid, image);
            if (!first && !image.equals(seen.get(pid))) {
                changed.add(new NewProcess(pid, null));
            }
        }
        seen = now;
        first = false;
        return changed;
    }

    private static String image(int pid) {
        Optional<FileIdentity> exe = FileIdentity.of(java.nio.file.Path.of("/proc", Integer.toString(pid), "exe"));
        // A kernel thread has none: it never counts as changed.
        return exe.map(Object::toString).orElse("");
    }

    @Override
    public String describe() {
        return "a /proc poll every " + periodMillis + " ms";
    }

    @Override
    public void close() {
    }
}
