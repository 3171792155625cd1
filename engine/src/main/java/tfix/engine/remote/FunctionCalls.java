package tfix.engine.remote;

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

    /** Gives back what the calls needed in the target; nothing by default. */
    default void releaseArea() {
    }
}
