package tfix.engine.sys;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * tfix's own scheduling priority, for the whole JVM. On a saturated host a command at nice 0 gets a sliver of the
 * CPU beside the target's spinning threads and takes tens of seconds; raised, it is done about as fast as on an idle
 * host. Linux keeps nice per thread, and a new thread takes its creator's: so every thread running now is set
 * (the JVM's GC, compiler and signal threads were started before main), twice in case one was being created
 * meanwhile, and every thread created later inherits it. Needs root (CAP_SYS_NICE); refused silently otherwise.
 */
public final class ProcessPriority {
    /** What the tracer's short boost while the target is stopped returns to: this process's level, not 0. */
    private static volatile int base;

    private ProcessPriority() {
    }

    /** The nice value the process's threads run at (0 unless {@link #raise} succeeded). */
    public static int base() {
        return base;
    }

    /**
     * Whether every thread of this process already runs at {@code nice} or above (the launcher started the JVM so);
     * then that is the level {@link #base} names, and no libc binding is needed to set it (read from
     * /proc/self/task/TID/stat, the 19th field).
     */
    public static boolean alreadyAt(int nice) {
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path t : tasks) {
                String stat = Files.readString(t.resolve("stat"));
                String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                if (Integer.parseInt(after[16]) > nice) {
                    return false;
                }
            }
        } catch (IOException | RuntimeException e) {
            return false; // a thread that ended meanwhile, or a file not as expected: set it the usual way
        }
        base = nice;
        return true;
    }

    /** Sets every thread of this process to {@code nice}; true if the kernel took it for the calling thread. */
    public static boolean raise(LibC libc, int nice) {
        Set<Integer> done = new HashSet<>();
        boolean ok = false;
        for (int pass = 0; pass < 2; pass++) {
            try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
                for (Path t : tasks) {
                    int tid = Integer.parseInt(t.getFileName().toString());
                    if (done.add(tid) && libc.setpriority(0 /* PRIO_PROCESS: one thread id on Linux */, tid, nice) == 0) {
                        ok = true;
                    }
                }
            } catch (IOException | NumberFormatException e) {
                return false;
            }
            if (!ok) {
                return false; // refused for the first thread: it would be for all
            }
        }
        base = nice;
        return true;
    }
}
