package tfix.engine;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/**
 * How a session reaches its process: {@code AUTO} traces it, or, when ptrace is refused and the process carries
 * tfix's agent, goes through the agent; {@code PTRACE} and {@code AGENT} force a route. {@code AGENT_FIRST} (what
 * fleets use) goes through the agent whenever the process has one and traces the others: the agent's route does
 * no ptrace stop, no remote call through a borrowed thread and no record chain per process, so it is the shorter one.
 */
public enum Via {
    AUTO, PTRACE, AGENT, AGENT_FIRST;

    /** {@code 'agent'} or {@code 'ptrace'}, as a runbook writes it. */
    public static Via named(String name) {
        return switch (name) {
            case "agent" -> AGENT;
            case "ptrace" -> PTRACE;
            case "auto" -> AUTO;
            case "agent-first" -> AGENT_FIRST;
            default -> throw new TfixException(Reason.BAD_INPUT,
                    "via: '" + name + "' is not a route: use via: 'agent' or via: 'ptrace' (or leave it out)");
        };
    }
}
