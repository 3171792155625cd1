package tfix.engine.restart;

import java.util.ArrayList;
import java.util.List;

import tfix.engine.agent.AgentClient;

/**
 * Starts the new program from inside the old one through its agent, for a process tfix may not trace: the agent
 * forks and execs it (agent/src/restart_ops.c), so it keeps the service's user, cgroup, namespaces, limits,
 * working directory and standard streams, as through ptrace. The child sets LISTEN_PID to its own pid before the
 * exec, so no shell wrapper is needed and argv[0] stays the old program's.
 */
public final class AgentSpawn {
    private AgentSpawn() {
    }

    /** Starts it; returns the new pid. */
    public static int spawn(AgentClient agent, SpawnRequest req) {
        List<String> env = new ArrayList<>(req.environment());
        env.add("LISTEN_FDS=" + req.sockets().size());
        env.add("LISTEN_FDNAMES=" + String.join(":", req.sockets().stream().map(Listener::fdName).toList()));
        env.add("LISTEN_PID="); // the child writes its pid here
        List<String> argv = req.argv().isEmpty() ? List.of(req.program()) : req.argv();
        return agent.spawn(req.sockets().stream().map(Listener::fd).toList(), req.program(), argv, env);
    }
}
