package tfix.engine.inspect;

import java.util.function.Function;

/**
 * Stops one thread of the target for a moment: hands its registers to {@code during} (which may read memory
 * while the thread cannot change it), then resumes it, whatever happens. Keep {@code during} short.
 */
public interface ThreadStops {
    /** The instruction, stack and frame pointers a backtrace starts from. */
    record Pointers(long rip, long rsp, long rbp) {
    }

    <T> T whileStopped(int tid, Function<Pointers, T> during);
}
