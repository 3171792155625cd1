/**
 * The in-process agent ({@code libtfix-agent.so}, C sources in the top-level {@code agent/} folder): its control
 * socket, found from the pid alone ({@link tfix.engine.agent.AgentSocket}), and its operations
 * ({@link tfix.engine.agent.AgentClient}): memory, maps, calls on its control thread, and a stop-the-world write.
 * Reaches a process tfix may not trace. Uses {@code sys}, {@code process}, {@code failure}, {@code timing}.
 */
package tfix.engine.agent;
