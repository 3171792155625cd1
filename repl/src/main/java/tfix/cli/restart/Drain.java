package tfix.cli.restart;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

import tfix.engine.restart.Listeners;

/**
 * The old program's way out once it no longer accepts: it serves the connections it holds to their end, then
 * gets SIGTERM (at the last one's close, or when the drain time is up), and SIGKILL 10 s later if still there.
 * Runs in tfix restart --wait, or in a small detached JVM ({@link #main}) so that tfix restart can return.
 * The pid is checked against its start time before each signal, so a recycled pid is never signalled.
 */
public final class Drain {
    static final long KILL_AFTER_MS = 10_000, POLL_MS = 50;
    private final int pid;
    private final String startTime;
    private final Set<Long> connections;

    Drain(int pid, String startTime, Set<Long> connections) {
        this.pid = pid;
        this.startTime = startTime;
        this.connections = connections;
    }

    /** args: pid, start time, drain milliseconds, connection inodes... */
    public static void main(String[] args) {
        Set<Long> inodes = new HashSet<>();
        for (int i = 3; i < args.length; i++) {
            inodes.add(Long.parseLong(args[i]));
        }
        new Drain(Integer.parseInt(args[0]), args[1], inodes).run(Long.parseLong(args[2]));
    }

    /** Blocks until the process is gone (or no longer that process). */
    void run(long drainMillis) {
        long deadline = System.nanoTime() + drainMillis * 1_000_000;
        while (same() && Listeners.stillOpen(pid, connections) > 0 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(POLL_MS * 1_000_000);
        }
        signal("TERM");
        long killAt = System.nanoTime() + KILL_AFTER_MS * 1_000_000;
        while (same() && System.nanoTime() < killAt) {
            LockSupport.parkNanos(POLL_MS * 1_000_000);
        }
        signal("KILL");
        while (same()) {
            LockSupport.parkNanos(POLL_MS * 1_000_000);
        }
    }

    private void signal(String name) {
        if (same()) {
            ProcessHandle.of(pid).ifPresent(p -> {
                if (name.equals("KILL")) {
                    p.destroyForcibly();
                } else {
                    p.destroy(); // SIGTERM
                }
            });
        }
    }

    /** Alive (not a zombie) and still the process that was restarted. */
    boolean same() {
        String now = startTime(pid);
        return now != null && now.equals(startTime);
    }

    /** Field 22 of /proc/PID/stat, or null when the process is gone or a zombie. */
    static String startTime(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return f[0].equals("Z") || f[0].equals("X") ? null : f[19];
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
