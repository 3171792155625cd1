package tfix.engine;

import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

import tfix.engine.agent.AgentClient;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.inspect.ThreadStops;
import tfix.engine.process.ThreadSyscall;

/**
 * A look at one thread through the agent, for the inspection verbs. No thread is signalled or stopped: one blocked in
 * a system call is read where it waits (its pc and sp, from the agent's /proc/self/task/TID/syscall), and its stack
 * is taken only if it still waits there, unchanged, once read. One running user code has no readable registers
 * without a stop, and the agent's stop is made for writes only: it is named as such, never guessed at.
 */
final class AgentThreadLooks implements ThreadStops {
    /** A thread that wakes while its stack is read is read again, this many times in all. */
    private static final int TRIES = 3;
    private final AgentClient agent;

    AgentThreadLooks(AgentClient agent) {
        this.agent = agent;
    }

    @Override
    public Optional<ThreadSyscall> syscall(int pid, int tid) {
        try {
            return ThreadSyscall.parse(tid, agent.taskSyscall(tid));
        } catch (TfixException e) {
            return Optional.empty(); // ended meanwhile
        }
    }

    @Override
    public <T> T whileStopped(int tid, Function<ThreadStops.Pointers, T> during) {
        for (int i = 0; i < TRIES; i++) {
            String before = agent.taskSyscall(tid);
            ThreadSyscall sc = ThreadSyscall.parse(tid, before).orElseThrow(() -> new TfixException(Reason.PROCESS_GONE,
                    "thread " + tid + " has no readable place"));
            if (!sc.blockedInSyscall()) {
                throw new TfixException(Reason.UNSUPPORTED, "running user code, and through the agent a thread is read only"
                        + " while it waits in a system call; via: 'ptrace' shows its frames");
            }
            // rbp is not in /proc: no frame-pointer chain, the frames after #0 are marked as guesses.
            T seen = during.apply(new ThreadStops.Pointers(sc.instructionPointer(), sc.stackPointer(), 0));
            if (Objects.equals(before, agent.taskSyscall(tid))) {
                return seen;
            }
        }
        throw new TfixException(Reason.THREAD_BUSY, "it woke from its system call each time its stack was read");
    }
}
