package tfix.cli.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/**
 * Debian's redis-server started for a benchmark: on a free port of 127.0.0.1, in its own folder, no persistence;
 * ready when it says it accepts connections; killed (and waited for) when closed, with its load generator.
 */
final class RedisServer implements AutoCloseable {
    static final Path SERVER = Path.of("/usr/bin/redis-server");
    static final Path BENCHMARK = Path.of("/usr/bin/redis-benchmark");
    private final Process server;
    private final int port;
    private Process load;

    private RedisServer(Process server, int port) {
        this.server = server;
        this.port = port;
    }

    static boolean installed() {
        return java.nio.file.Files.isExecutable(SERVER) && java.nio.file.Files.isExecutable(BENCHMARK);
    }

    static RedisServer start(Path dir) throws IOException, InterruptedException {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        Process p = new ProcessBuilder(SERVER.toString(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--logfile", "", "--daemonize", "no")
                .redirectErrorStream(true).start();
        RedisServer r = new RedisServer(p, port);
        CountDownLatch ready = new CountDownLatch(1);
        Thread drain = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    if (line.contains("Ready to accept connections")) {
                        ready.countDown();
                    }
                }
            } catch (IOException e) {
                // the server ended: close() reaps it
            }
        }, "redis-server output");
        drain.setDaemon(true);
        drain.start();
        if (!ready.await(30, TimeUnit.SECONDS) || !p.isAlive()) {
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
        for (Process p : new Process[] {load, server}) {
            if (p != null) {
                p.destroyForcibly();
                try {
                    p.waitFor(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
