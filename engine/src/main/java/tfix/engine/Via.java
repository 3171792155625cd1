package tfix.engine;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/**
 * How a session reaches its process: {@code AUTO} traces it, or, when ptrace is refused and the process carries
 * tfix's agent, goes through the agent; {@code PTRACE} and {@code AGENT} force a route.
 */
public enum Via {
    AUTO, PTRACE, AGENT;

    /** {@code 'agent'} or {@code 'ptrace'}, as a runbook writes it. */
    public static Via named(String name) {
        return switch (name) {
            case "agent" -> AGENT;
            case "ptrace" -> PTRACE;
            case "auto" -> AUTO;
            default -> throw new TfixException(Reason.BAD_INPUT,
                    "via: '" + name + "' is not a route: use via: 'agent' or via: 'ptrace' (or leave it out)");
        };
    }
}
