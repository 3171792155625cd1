package tfix.engine;

import java.time.Duration;
import java.util.function.BooleanSupplier;

import tfix.engine.agent.AgentClient;
import tfix.engine.apply.AgentApplier;
import tfix.engine.apply.SiteWriter;
import tfix.engine.elf.ProcessSymbols;
import tfix.engine.inspect.ThreadStops;
import tfix.engine.process.ProcMemory;
import tfix.engine.process.TargetProcess;
import tfix.engine.ptrace.TraceClaim;
import tfix.engine.remote.AgentCalls;
import tfix.engine.remote.CallArea;
import tfix.engine.remote.FunctionCalls;

/** The process reached through its agent: calls on the agent's thread, the agent's in-process stop for a write. */
final class AgentRoute implements Route {
    private final AgentClient agent;
    private final TargetProcess process;
    /** This run's turn on the process (null when the lock folder is out of reach), let go with the connection. */
    private final TraceClaim claim;

    AgentRoute(AgentClient agent, TargetProcess process, TraceClaim claim) {
        this.agent = agent;
        this.process = process;
        this.claim = claim;
    }

    @Override
    public String name() {
        return "agent";
    }

    @Override
    public boolean exited() {
        return !process.alive();
    }

    @Override
    public int threadCount() {
        return agent.threads().size();
    }

    @Override
    public FunctionCalls caller(ProcessSymbols symbols, ProcMemory memory, CallArea area, Duration timeout,
                                BooleanSupplier cancelled) {
        return new AgentCalls(agent, memory, symbols);
    }

    @Override
    public SiteWriter writer(ProcessSymbols symbols, ProcMemory memory, Duration threadTimeout, boolean stackCheck,
                             BooleanSupplier cancelled) {
        return new AgentApplier(agent, symbols, threadTimeout, stackCheck, cancelled);
    }

    @Override
    public boolean writesWithoutStop() {
        return agent.nostop();
    }

    /** Kicked only while still in accept or a receive, on the fd its /proc line names (the agent checks again). */
    @Override
    public void kick(int tid) {
        String[] f = agent.taskSyscall(tid).trim().split("\\s+");
        if (f.length > 1 && f[1].startsWith("0x") && !f[0].equals("running") && !f[0].startsWith("-")) {
            agent.kick(tid, (int) Long.parseUnsignedLong(f[1].substring(2), 16));
        }
    }

    @Override
    public java.util.Optional<AgentClient> agent() {
        return java.util.Optional.of(agent);
    }

    @Override
    public ThreadStops stops() {
        return new AgentThreadLooks(agent);
    }

    @Override
    public void release(Runnable last) {
        try {
            if (process.alive()) {
                last.run();
            }
        } finally {
            agent.close();
            if (claim != null) {
                claim.close();
            }
        }
    }
}
