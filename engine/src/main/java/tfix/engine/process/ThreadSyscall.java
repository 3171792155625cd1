package tfix.engine.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * /proc/PID/task/TID/syscall: what a thread is doing, readable without stopping it.
 * number is -1 when the thread is in user space, -2 when it is running.
 */
public record ThreadSyscall(int tid, long number, long stackPointer, long instructionPointer) {
    public static final long RUNNING = -2;

    public static Optional<ThreadSyscall> read(int pid, int tid) {
        try {
            return parse(tid, Files.readString(Path.of("/proc", Integer.toString(pid), "task", Integer.toString(tid), "syscall")));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The file's text, however it was read (an agent reads it in-process); empty when it is not that file's form. */
    public static Optional<ThreadSyscall> parse(int tid, String text) {
        try {
            String s = text.trim();
            if (s.equals("running")) {
                return Optional.of(new ThreadSyscall(tid, RUNNING, 0, 0));
            }
            String[] f = s.split("\\s+");
            long nr = Long.parseLong(f[0]);
            long sp = Long.parseUnsignedLong(f[f.length - 2].substring(2), 16);
            long pc = Long.parseUnsignedLong(f[f.length - 1].substring(2), 16);
            return Optional.of(new ThreadSyscall(tid, nr, sp, pc));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    public boolean blockedInSyscall() {
        return number >= 0;
    }
}
