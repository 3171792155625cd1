package tfix.engine.remote;

import java.util.Arrays;
import java.util.List;

import tfix.engine.agent.AgentClient;
import tfix.engine.elf.ProcessSymbols;
import tfix.engine.process.ProcMemory;

/**
 * Calls run by the agent on its own control thread: no thread of the program is borrowed or stopped, and a
 * buffer argument is the agent's copy. dlopen, mmap, memfd_create and the rest are ordinary calls there.
 */
public final class AgentCalls implements FunctionCalls {
    private final AgentClient agent;
    private final ProcMemory memory;
    private final ProcessSymbols symbols;

    public AgentCalls(AgentClient agent, ProcMemory memory, ProcessSymbols symbols) {
        this.agent = agent;
        this.memory = memory;
        this.symbols = symbols;
    }

    @Override
    public long call(String what, long function, RemoteCaller.Arg... args) {
        List<AgentClient.Arg> passed = Arrays.stream(args).map(a -> a instanceof RemoteCaller.Buffer b
                ? new AgentClient.Arg(0, b.bytes()) : new AgentClient.Arg(((RemoteCaller.Value) a).value(), null)).toList();
        return agent.call(what, function, passed).result();
    }

    @Override
    public long callLockFree(String what, long function, RemoteCaller.Arg... args) {
        return call(what, function, args);
    }

    @Override
    public ProcessSymbols symbols() {
        return symbols;
    }

    @Override
    public ProcMemory memory() {
        return memory;
    }

    @Override
    public int pid() {
        return agent.pid();
    }
}
