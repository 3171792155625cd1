package tfix.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The nice level a command takes, from how busy the host is. On a saturated host (the target's own threads spinning
 * on every core) a command at nice 0 gets a sliver of a CPU and takes tens of seconds (issue 18, goal 3); on a host
 * that is merely working, a JVM raised far above its programs (its compiler and GC threads too) takes the CPUs from
 * them for hundreds of milliseconds: a Redis probe's p99 was 50-130x its baseline at nice -19, 1.2-2.4x at nice 0
 * (README, "What clients feel"). So tfix asks for about twice the share of one of the tasks competing per CPU, and
 * nothing while there is less than about one and a half of them per CPU.
 */
public final class FairNice {
    /** The kernel's CFS weight of nice 0, -1, ..., -19 (kernel/sched/core.c, sched_prio_to_weight). */
    private static final int[] WEIGHT = {1024, 1277, 1586, 1991, 2501, 3121, 3906, 4904, 6100, 7620, 9548, 11916,
            14949, 18705, 23254, 29154, 36291, 46273, 56483, 71755};
    static final int MOST = -19;

    private FairNice() {
    }

    /**
     * The level for {@code competitors} runnable tasks besides tfix on {@code cpus} CPUs: 0 below 1.5 per CPU,
     * else the mildest level weighing at least twice their share per CPU, at most {@link #MOST}.
     */
    public static int level(double competitors, int cpus) {
        double perCpu = competitors / Math.max(1, cpus);
        if (!(perCpu >= 1.5)) {
            return 0;
        }
        double wanted = 2 * 1024 * perCpu;
        for (int n = 0; n < WEIGHT.length; n++) {
            if (WEIGHT[n] >= wanted) {
                return -n;
            }
        }
        return MOST;
    }

    /**
     * The level now: TFIX_PRIORITY=N (0 to -19) when set, else from the tasks runnable at this moment besides this one
     * (the median of three looks 2 ms apart at /proc/loadavg's fourth field) and the host's CPUs. Not the load
     * average: it remembers the last minute, so a burst that is over (a benchmark's 256 threads) would still raise
     * tfix above a server that now has the CPUs to itself.
     */
    public static int now() {
        String forced = System.getenv("TFIX_PRIORITY");
        if (forced != null && !forced.isBlank()) {
            return forced(forced.trim());
        }
        try {
            int[] runnable = new int[3];
            for (int i = 0; i < runnable.length; i++) {
                if (i > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(2_000_000L);
                }
                // "0.52 0.58 0.59 3/512 12345": load averages, then runnable/all tasks at this instant.
                String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
                runnable[i] = Integer.parseInt(f[3].substring(0, f[3].indexOf('/')));
            }
            java.util.Arrays.sort(runnable);
            return level(runnable[1] - 1, Runtime.getRuntime().availableProcessors());
        } catch (IOException | RuntimeException e) {
            return 0; // no /proc/loadavg to judge by: ask for nothing
        }
    }

    private static int forced(String text) {
        try {
            int n = Integer.parseInt(text);
            if (n <= 0 && n >= MOST) {
                return n;
            }
        } catch (NumberFormatException e) {
            // falls through to the refusal
        }
        throw new IllegalArgumentException("TFIX_PRIORITY=" + text + " is not a nice level from 0 to " + MOST
                + ": set it to one (e.g. -19), or unset it to let tfix judge from the host's load");
    }
}
