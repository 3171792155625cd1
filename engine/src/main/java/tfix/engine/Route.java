package tfix.engine;

import java.time.Duration;
import java.util.function.BooleanSupplier;

import tfix.engine.apply.SiteWriter;
import tfix.engine.elf.ProcessSymbols;
import tfix.engine.inspect.ThreadStops;
import tfix.engine.process.ProcMemory;
import tfix.engine.remote.CallArea;
import tfix.engine.remote.FunctionCalls;

/**
 * How a session touches its process, beyond what /proc shows: the calls it makes there, the stop around a write,
 * the stop of one thread for a look, letting it go. Two routes: ptrace from outside ({@link PtraceRoute}) and the
 * process's own agent ({@link AgentRoute}). The record, the plans and the checks are the same either way.
 */
interface Route {
    /** "ptrace" or "agent", as results say it. */
    String name();

    boolean exited();

    int threadCount();

    FunctionCalls caller(ProcessSymbols symbols, ProcMemory memory, CallArea area, Duration timeout,
                         BooleanSupplier cancelled);

    SiteWriter writer(ProcessSymbols symbols, ProcMemory memory, Duration threadTimeout, boolean stackCheck,
                      BooleanSupplier cancelled);

    ThreadStops stops();

    /** Whether its writer can change 2-byte entry jumps with no thread stopped (then plans prefer that shape). */
    default boolean writesWithoutStop() {
        return false;
    }

    /**
     * Makes thread {@code tid}, blocked in accept (or a receive), issue that call again so it looks its fd up anew
     * (tfix restart's stand-in): ptrace stops and resumes it; the agent sends a signal with an SA_RESTART handler.
     */
    void kick(int tid);

    /** The process's agent, when this route goes through it (restart asks it for what /proc keeps from tfix). */
    default java.util.Optional<tfix.engine.agent.AgentClient> agent() {
        return java.util.Optional.empty();
    }

    /** Lets the process go: {@code last} runs first while the route still reaches the process, then it is released. */
    void release(Runnable last);
}
