package tfix.engine.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The fields of /proc/PID/status (or a task's status) tfix decides on: state, tracer,
 * signal masks, and the x86 thread features (a CET shadow stack shows there).
 */
public record ProcStatus(int pid, String name, char state, int tracerPid, int uid, int threads, long tgid,
                         long pendingSignals, long blockedSignals, long ignoredSignals, long caughtSignals,
                         String x86ThreadFeatures) {

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
                    Integer.parseInt(fields.getOrDefault("Uid", "0 0").split("\\s+")[1]),
                    Integer.parseInt(fields.getOrDefault("Threads", "1")),
                    Long.parseLong(fields.getOrDefault("Tgid", "0")),
                    mask(fields, "SigPnd") | mask(fields, "ShdPnd"),
                    mask(fields, "SigBlk"),
                    mask(fields, "SigIgn"),
                    mask(fields, "SigCgt"),
                    fields.getOrDefault("x86_Thread_features", "")));
        } catch (IOException | RuntimeException e) {
            // A process that vanishes while being read looks like this too.
            return Optional.empty();
        }
    }

    private static long mask(Map<String, String> fields, String name) {
        String v = fields.get(name);
        return v == null ? 0 : Long.parseUnsignedLong(v, 16);
    }

    public static Optional<ProcStatus> of(int pid) {
        return read(Path.of("/proc", Integer.toString(pid), "status"), pid);
    }

    /** One thread's status. */
    public static Optional<ProcStatus> ofTask(int pid, int tid) {
        return read(Path.of("/proc", Integer.toString(pid), "task", Integer.toString(tid), "status"), tid);
    }

    public boolean isZombie() {
        return state == 'Z' || state == 'X';
    }

    /**
     * An unblocked signal waits for the thread (its own or the process's) that it will act
     * on: one the program drops (ignored, or ignored by default) does not count, since it
     * only waits because a tracer wants to see it.
     */
    public boolean signalPending() {
        return (pendingSignals & ~blockedSignals & ~disposition().droppedMask()) != 0;
    }

    public SignalDisposition disposition() {
        return new SignalDisposition(ignoredSignals, caughtSignals);
    }

    /** Kernels with user shadow stacks list them here ("x86_Thread_features: shstk"). */
    public boolean shadowStack() {
        return x86ThreadFeatures.contains("shstk");
    }

    /**
     * Whether an unblocked signal is pending for the thread; true when unknown, so that
     * callers leave a system call's result alone rather than hide a real signal.
     */
    public static boolean signalPending(int pid, int tid) {
        return ofTask(pid, tid).map(ProcStatus::signalPending).orElse(true);
    }

    /** The name of the tracing program, from its own status, for error messages. */
    public static String describeTracer(int tracerPid) {
        return of(tracerPid).map(s -> s.name().startsWith("tfix-ptrace")
                ? "another tfix (thread " + tracerPid + " of process " + s.tgid() + ", a REPL or a running script)"
                : s.name() + " (pid " + tracerPid + ")").orElse("pid " + tracerPid);
    }
}
