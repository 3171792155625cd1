package tfix.engine.process;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** The fields of /proc/PID/task/TID/stat tfix uses: the state letter and the kernel's PF_* flags. */
public record TaskStat(char state, long flags) {
    /** PF_IO_WORKER: an io_uring worker, which never runs user code. */
    public static final long PF_IO_WORKER = 0x10;
    /** PF_KTHREAD: a kernel thread. */
    public static final long PF_KTHREAD = 0x00200000L;

    public static Optional<TaskStat> read(Path statFile) {
        try {
            String stat = Files.readString(statFile);
            // The command name may hold spaces and parentheses: the fields start after the last ')'.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Optional.of(new TaskStat(f[0].charAt(0), Long.parseLong(f[6])));
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    public static Optional<TaskStat> of(int pid) {
        return read(Path.of("/proc", Integer.toString(pid), "stat"));
    }

    public static Optional<TaskStat> ofTask(int pid, int tid) {
        return read(Path.of("/proc", Integer.toString(pid), "task", Integer.toString(tid), "stat"));
    }

    public boolean kernelThread() {
        return (flags & PF_KTHREAD) != 0;
    }

    public boolean ioWorker() {
        return (flags & PF_IO_WORKER) != 0;
    }
}
