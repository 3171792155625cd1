package tfix.engine.restart;

import java.util.List;

/**
 * What to start in place of a process: the program, its whole argv (argv[0] first), its environment (NAME=value,
 * without the LISTEN_ variables, which the spawn sets), and the listening sockets it gets as fds 3, 4, ...
 */
public record SpawnRequest(String program, List<String> argv, List<String> environment, List<Listener> sockets) {
    public SpawnRequest {
        argv = List.copyOf(argv);
        environment = List.copyOf(environment);
        sockets = List.copyOf(sockets);
    }
}
