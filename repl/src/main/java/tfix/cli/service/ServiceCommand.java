package tfix.cli.service;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tfix.engine.failure.TfixException;

/** {@code tfix service}: the resident tfix, in the foreground; {@code tfix service status}: whether one runs. */
@Command(name = "service", mixinStandardHelpOptions = true, subcommands = ServiceCommand.Status.class,
        description = "Run the resident tfix service in the foreground: it runs commands for the launcher's client with"
                + " ELF files and compiled scripts kept warm (packaging/systemd/tfix.service runs it at boot).")
public final class ServiceCommand implements Callable<Integer> {
    @Option(names = "--socket", description = "The socket to listen at (default: TFIX_SOCKET, else /run/tfix/service.sock"
            + " as root, $XDG_RUNTIME_DIR/tfix/service.sock otherwise).")
    Path socket;

    @Override
    public Integer call() {
        ServiceServer server;
        java.io.PrintStream stdout = System.out;
        java.io.PrintStream log = RoutedStreams.install();
        try {
            server = ServiceServer.bind(SocketPlace.chosen(socket), log);
        } catch (TfixException e) {
            log.println("tfix: " + e.getMessage());
            return 1;
        }
        // SIGTERM (systemctl stop): no new commands; those running finish or roll back, then the socket goes.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> server.shutdown(Duration.ofSeconds(60)), "tfix-service-stop"));
        stdout.println("tfix service: ready pid=" + ProcessHandle.current().pid() + " socket=" + server.socket());
        server.serve();
        return 0;
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Say whether a tfix service listens, and"
            + " what it keeps warm; exit 3 when none does.")
    static final class Status implements Callable<Integer> {
        @Option(names = "--socket", description = "The service's socket (default as for tfix service).")
        Path socket;

        @Override
        public Integer call() {
            Path at;
            try {
                at = SocketPlace.chosen(socket);
            } catch (TfixException e) {
                System.err.println("tfix: " + e.getMessage());
                return 2;
            }
            StringBuilder why = new StringBuilder();
            int code = ServiceClient.forward(at, List.of("service", "status"), why);
            if (code == ServiceClient.NOT_HERE) {
                System.out.println("tfix service: not running (" + why + "); commands run in their own process");
                return 3;
            }
            return code;
        }
    }
}
