package tfix.cli.service;

import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import tfix.dsl.ScriptRunner;
import tfix.engine.Engine;
import tfix.engine.elf.RecentlyUsed;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/**
 * The resident tfix: listens on an owner-only Unix socket and runs each client's command on a thread of its own,
 * with one warm engine for all. Commands on different processes run at once; two on one process take turns
 * through the same per-process claim the command line takes ({@code TraceClaim}), so there is never a second
 * tracer. Each command's session makes its own ptrace thread and ends it, as a command line run does.
 */
public final class ServiceServer implements AutoCloseable {
    private final Path socket;
    private final ServerSocketChannel server;
    private final PrintStream log;
    final Engine engine = Engine.create();
    final RecentlyUsed<ScriptRunner.Compiled> scripts = new RecentlyUsed<>(64);
    final Instant started = Instant.now();
    final BuildStamp build = BuildStamp.ofRunningCode();
    final AtomicLong served = new AtomicLong();
    final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger clients = new AtomicInteger();
    private volatile boolean closing;

    private ServiceServer(Path socket, ServerSocketChannel server, PrintStream log) {
        this.socket = socket;
        this.server = server;
        this.log = log;
    }

    /** Binds the socket (removing one left by a service that died), owner-only. */
    public static ServiceServer bind(Path socket, PrintStream log) {
        SocketPlace.prepare(socket);
        if (Files.exists(socket)) {
            if (ServiceClient.listening(socket)) {
                throw new TfixException(Reason.BAD_INPUT, "a tfix service already listens at " + socket
                        + ": use it (tfix service status), or stop it first");
            }
            try {
                Files.delete(socket); // a service that died left it: nobody listens
            } catch (IOException e) {
                throw new TfixException(Reason.IO, "cannot remove the stale socket " + socket + " (" + e.getMessage() + ")");
            }
        }
        try {
            ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            ch.bind(UnixDomainSocketAddress.of(socket));
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
            return new ServiceServer(socket, ch, log);
        } catch (IOException e) {
            throw new TfixException(Reason.IO, "cannot listen at " + socket + " (" + e.getMessage()
                    + "): choose another place with --socket PATH");
        }
    }

    public Path socket() {
        return socket;
    }

    /** Accepts clients until {@link #close()}; each runs on its own thread. */
    public void serve() {
        while (!closing) {
            SocketChannel client;
            try {
                client = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                log.println("tfix service: accept failed: " + e.getMessage());
                continue;
            }
            Thread t = new Thread(() -> new ClientCommand(this, client, log).run(), "tfix-service-client-" + clients.incrementAndGet());
            t.setDaemon(true);
            t.start();
        }
    }

    String describe() {
        return "the tfix service (pid " + ProcessHandle.current().pid() + ", socket " + socket + ")";
    }

    /** What `tfix service status` prints. */
    String status() {
        Duration up = Duration.between(started, Instant.now());
        return "tfix service: running, pid " + ProcessHandle.current().pid() + ", socket " + socket + "\n"
                + "  up " + up.toSeconds() + " s; " + served.get() + " commands served, " + running.get() + " running now\n"
                + "  warm: " + engine.elfCache().imagesKept() + " ELF files parsed, " + scripts.size() + " scripts compiled\n";
    }

    /** Stops accepting, lets the commands in progress finish (up to {@code wait}), removes the socket. */
    public void shutdown(Duration wait) {
        close();
        long deadline = System.nanoTime() + wait.toNanos();
        while (running.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20); // a shutdown hook: nothing to wait on but the count
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void close() {
        closing = true;
        try {
            server.close();
        } catch (IOException e) {
            // Closed anyway.
        }
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            log.println("tfix service: cannot remove " + socket + ": " + e.getMessage());
        }
    }
}
