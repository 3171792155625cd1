package tfix.engine.remote;

import java.util.Optional;

import tfix.engine.elf.ProcessSymbols;
import tfix.engine.process.ProcMemory;

/** Calls of the target's functions, whichever route runs them: a borrowed thread (ptrace) or the agent's own. */
public interface FunctionCalls {
    /** Calls {@code function(args...)} in the target and returns its result. */
    long call(String what, long function, RemoteCaller.Arg... args);

    /** The same for a function that takes no lock (a system call's wrapper). */
    long callLockFree(String what, long function, RemoteCaller.Arg... args);

    ProcessSymbols symbols();

    ProcMemory memory();

    int pid();

    /**
     * memfd_create, ftruncate, mmap and close made in one go, when the route can (ptrace: one borrowed thread);
     * empty when it cannot, and the caller makes the four calls one by one.
     */
    default Optional<MappedMemfd> memfdMapping(String name, int memfdFlags, long length, int prot, int flags) {
        return Optional.empty();
    }

    /** Gives back what the calls needed in the target; nothing by default. */
    default void releaseArea() {
    }
}
