package tfix.engine.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** The fields of /proc/PID/status (or a task's status) that decide whether tfix may attach. */
public record ProcStatus(int pid, String name, char state, int tracerPid, int uid, int threads) {

    public static Optional<ProcStatus> read(Path statusFile, int pid) {
        try {
            Map<String, String> fields = new HashMap<>();
            for (String line : Files.readAllLines(statusFile)) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
                }
            }
            String state = fields.getOrDefault("State", "?");
            return Optional.of(new ProcStatus(pid,
                    fields.getOrDefault("Name", "?"),
                    state.isEmpty() ? '?' : state.charAt(0),
                    Integer.parseInt(fields.getOrDefault("TracerPid", "0")),
                    Integer.parseInt(fields.getOrDefault("Uid", "0").split("\\s+")[1]),
                    Integer.parseInt(fields.getOrDefault("Threads", "1"))));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            // A process that vanishes while being read looks like this too.
            return Optional.empty();
        }
    }

    public static Optional<ProcStatus> of(int pid) {
        return read(Path.of("/proc", Integer.toString(pid), "status"), pid);
    }

    public boolean isZombie() {
        return state == 'Z' || state == 'X';
    }

    /** The name of the tracing program, from its own status, for error messages. */
    public static String describeTracer(int tracerPid) {
        return of(tracerPid).map(s -> s.name().startsWith("tfix-ptrace")
                ? "another tfix (thread " + tracerPid + " of process " + tgid(tracerPid) + ", a REPL or a running script)"
                : s.name() + " (pid " + tracerPid + ")").orElse("pid " + tracerPid);
    }

    private static String tgid(int tid) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc", Integer.toString(tid), "status"))) {
                if (l.startsWith("Tgid:")) {
                    return l.substring(5).trim();
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return "?";
    }
}
