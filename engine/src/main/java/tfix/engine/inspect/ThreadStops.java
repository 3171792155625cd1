package tfix.engine.inspect;

import java.util.Optional;
import java.util.function.Function;

import tfix.engine.process.ThreadSyscall;

/**
 * Stops one thread of the target for a moment: hands its registers to {@code during} (which may read memory
 * while the thread cannot change it), then resumes it, whatever happens. Keep {@code during} short.
 */
public interface ThreadStops {
    /** The instruction, stack and frame pointers a backtrace starts from. */
    record Pointers(long rip, long rsp, long rbp) {
    }

    <T> T whileStopped(int tid, Function<Pointers, T> during);

    /** Where the thread is, without stopping it: /proc/PID/task/TID/syscall (a route may read it another way). */
    default Optional<ThreadSyscall> syscall(int pid, int tid) {
        return ThreadSyscall.read(pid, tid);
    }
}
