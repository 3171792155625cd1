package tfix.cli.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.service.ServiceProcess;

/**
 * Debian's redis-server started for a benchmark: on a free port of 127.0.0.1, in its own folder, no persistence;
 * ready when it says it accepts connections; killed (and waited for) when closed, with its load generator.
 */
final class RedisServer implements AutoCloseable {
    static final Path SERVER = Path.of("/usr/bin/redis-server");
    static final Path BENCHMARK = Path.of("/usr/bin/redis-benchmark");
    private final ServiceProcess server;
    private final int port;
    private Process load;

    private RedisServer(ServiceProcess server, int port) {
        this.server = server;
        this.port = port;
    }

    static boolean installed() {
        return java.nio.file.Files.isExecutable(SERVER) && java.nio.file.Files.isExecutable(BENCHMARK);
    }

    /**
     * Started detached through {@link ServiceProcess}, not as this JVM's child: the JVM's process reaper would wait
     * for it, and a waitpid by any thread of the tracer's process takes the traced main thread's ptrace-stops too.
     */
    static RedisServer start(Path dir) throws IOException, InterruptedException {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        ServiceProcess p = ServiceProcess.start(Path.of("/bin/sh"), Duration.ofSeconds(30), "-c",
                "echo ready pid=$$; exec \"$0\" \"$@\"", SERVER.toString(), "--port", Integer.toString(port), "--bind",
                "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--logfile", "",
                "--daemonize", "no");
        RedisServer r = new RedisServer(p, port);
        if (p.awaitLine(l -> l.contains("Ready to accept connections"), Duration.ofSeconds(30)).isEmpty()) {
            r.close();
            throw new TfixException(Reason.IO, "redis-server did not start on port " + port + " within 30 s");
        }
        return r;
    }

    int port() {
        return port;
    }

    long pid() {
        return server.pid();
    }

    /** redis-benchmark in a loop with a few clients: PING, SET and GET, until closed. */
    void load(int clients) throws IOException {
        load = new ProcessBuilder(BENCHMARK.toString(), "-h", "127.0.0.1", "-p", Integer.toString(port), "-c",
                Integer.toString(clients), "-n", "100000", "-t", "ping,set,get", "-q", "-l")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    boolean loaded() {
        return load != null && load.isAlive();
    }

    @Override
    public void close() {
        if (load != null) {
            load.destroyForcibly();
        }
        server.close();
        for (ProcessHandle h : new ProcessHandle[] {load == null ? null : load.toHandle(),
                ProcessHandle.of(server.pid()).orElse(null)}) {
            if (h != null) {
                h.onExit().completeOnTimeout(h, 30, TimeUnit.SECONDS).join();
            }
        }
    }
}
