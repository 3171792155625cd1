package tfix.cli.restart;

import java.util.Optional;

import tfix.engine.Engine;
import tfix.engine.agent.AgentClient;
import tfix.engine.failure.TfixException;
import tfix.engine.restart.ProcFiles;

/**
 * The new program's /proc while restart waits for it: read directly, or, when it forbids ptrace as the old one did
 * (it makes itself undumpable), through the agent restart preloaded into it, connected to once it is up. Closed
 * before anything else attaches to the new program: its agent serves one peer at a time.
 */
final class NewProgramFiles implements AutoCloseable {
    private final Engine engine;
    private final int pid;
    private AgentClient agent;
    final ProcFiles files;

    NewProgramFiles(Engine engine, int pid) {
        this.engine = engine;
        this.pid = pid;
        this.files = ProcFiles.directOr(pid, this::agent);
    }

    private Optional<AgentClient> agent() {
        if (agent == null) {
            try {
                agent = AgentClient.connect(engine.nat(), pid, 1).orElse(null);
            } catch (TfixException e) {
                return Optional.empty(); // not up yet, or gone: asked again at the next look
            }
        }
        return Optional.ofNullable(agent);
    }

    @Override
    public void close() {
        if (agent != null) {
            agent.close();
            agent = null;
        }
    }
}
