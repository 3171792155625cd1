package tfix.cli.service;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import tfix.cli.CommandScope;
import tfix.cli.Main;

/** One client's connection: who it is, what it asks, the command run with its folder and its output sent back. */
final class ClientCommand {
    /** The commands the service runs; others (the REPL, watch, demo, bench) run in the client's own JVM. */
    private static final Set<String> SERVED = Set.of("run", "exec", "status", "verify", "revert", "log", "store",
            "--help", "-h", "--version", "-V", "--include-dir");

    private final ServiceServer service;
    private final SocketChannel channel;
    private final PrintStream log;

    ClientCommand(ServiceServer service, SocketChannel channel, PrintStream log) {
        this.service = service;
        this.channel = channel;
        this.log = log;
    }

    void run() {
        Object lock = new Object();
        FrameSink out = new FrameSink(channel, Wire.OUT, lock);
        FrameSink err = new FrameSink(channel, Wire.ERR, lock);
        try (channel) {
            String refused = peerRefused();
            if (refused != null) {
                log.println("tfix service: refused a client: " + refused);
                err.write(("tfix: " + refused + "\n").getBytes(StandardCharsets.UTF_8));
                out.send(Wire.frame(Wire.EXIT, Wire.int32(1), 0, 4));
                return;
            }
            InputStream in = Channels.newInputStream(channel);
            Wire.Request request = Wire.read(in);
            String elsewhere = notHere(request);
            if (elsewhere != null) {
                byte[] reason = elsewhere.getBytes(StandardCharsets.UTF_8);
                out.send(Wire.frame(Wire.FALLBACK, reason, 0, reason.length));
                return;
            }
            int code = execute(request, out, err);
            out.send(Wire.frame(Wire.EXIT, Wire.int32(code), 0, 4));
            if (out.clientGone()) {
                log.println("tfix service: a client of `" + String.join(" ", request.argv()) + "` went away; the command"
                        + " ran to its end, exit " + code);
            }
        } catch (java.io.EOFException e) {
            // A probe (`tfix service` checking whether one listens) connects and says nothing.
        } catch (IOException e) {
            log.println("tfix service: a client's request was not read: " + e.getMessage());
        }
    }

    /** Same user as the service, or root; anyone else is told no (the socket's folder should have kept them out). */
    private String peerRefused() {
        try {
            UnixDomainPrincipal peer = channel.getOption(ExtendedSocketOptions.SO_PEERCRED);
            String user = peer.user().getName();
            String me = System.getProperty("user.name");
            if (user.equals(me) || user.equals("root")) {
                return null;
            }
            return "the tfix service at " + service.socket() + " runs commands for " + (me.equals("root") ? "root only" : me + " and root") + ", not for "
                    + user + ": start your own with `tfix service` (your socket is under $XDG_RUNTIME_DIR), or run"
                    + " without the service";
        } catch (IOException | UnsupportedOperationException e) {
            return "the tfix service cannot tell who connected (" + e.getMessage() + "): run without the service";
        }
    }

    /** Why this request runs in the client's own JVM instead, or null. */
    private String notHere(Wire.Request r) {
        List<String> argv = r.argv();
        boolean serviceStatus = argv.size() >= 2 && argv.get(0).equals("service") && argv.get(1).equals("status");
        if (!argv.isEmpty() && !SERVED.contains(argv.get(0)) && !serviceStatus) {
            return "`tfix " + argv.get(0) + "` runs in its own process, not in the service";
        }
        if (service.build.changed()) {
            return "the tfix service runs an older build of tfix (" + service.build.file() + " changed since it started):"
                    + " restart it (systemctl restart tfix, or stop it; TFIX_SERVICE=auto starts a new one)";
        }
        if (!r.cwd().startsWith("/") || !Files.isDirectory(Path.of(r.cwd()))) {
            return "the client's folder " + r.cwd() + " is not one the service can see";
        }
        // Where the journal, the locks and the patch store live comes from the environment: the service's must be the client's.
        Set<String> names = new TreeSet<>();
        for (String n : r.env().keySet()) {
            names.add(n);
        }
        System.getenv().keySet().stream().filter(n -> n.startsWith("TFIX_")).forEach(names::add);
        if (!SocketPlace.isRoot()) {
            names.addAll(List.of("XDG_STATE_HOME", "XDG_RUNTIME_DIR", "HOME"));
        } else {
            names.removeAll(List.of("XDG_STATE_HOME", "XDG_RUNTIME_DIR", "HOME")); // root's places do not depend on them
        }
        names.add("JAVA_TOOL_OPTIONS");
        names.removeAll(List.of("TFIX_SERVICE", "TFIX_SOCKET"));
        for (String n : names) {
            if (!Objects.equals(blankless(r.env().get(n)), blankless(System.getenv(n)))) {
                return n + " is " + shown(r.env().get(n)) + " here but " + shown(System.getenv(n)) + " in the service";
            }
        }
        return null;
    }

    private static String blankless(String v) {
        return v == null || v.isBlank() ? null : v;
    }

    private static String shown(String v) {
        return blankless(v) == null ? "unset" : "'" + v + "'";
    }

    private int execute(Wire.Request request, FrameSink outSink, FrameSink errSink) {
        PrintStream out = new PrintStream(outSink, true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(errSink, true, StandardCharsets.UTF_8);
        List<String> argv = request.argv();
        service.running.incrementAndGet();
        RoutedStreams.enter(new RoutedStreams.Pair(out, err));
        CommandScope.enter(new CommandScope.Scope(Path.of(request.cwd()), service.engine, service.scripts,
                service.describe(), argv.contains("--debug")));
        long t0 = System.nanoTime();
        int code;
        try {
            if (argv.size() >= 2 && argv.get(0).equals("service") && argv.get(1).equals("status")) {
                out.print(service.status());
                code = 0;
            } else {
                String[] line = argv.toArray(String[]::new);
                code = Main.commandLine(line).execute(line);
            }
        } catch (RuntimeException | Error e) {
            // Main's commands turn failures into one line; this is what escaped them.
            err.println("tfix: " + e.getClass().getSimpleName() + ": " + e.getMessage() + " (an internal failure of the"
                    + " tfix service: please report it; any process the command attached to is let go)");
            code = 1;
        } finally {
            out.flush();
            err.flush();
            CommandScope.leave();
            RoutedStreams.leave();
            service.running.decrementAndGet();
            service.served.incrementAndGet();
        }
        log.printf("tfix service: %s: exit %d in %.1f ms%n", argv.isEmpty() ? "(usage)" : argv.get(0), code,
                (System.nanoTime() - t0) / 1e6);
        return code;
    }

    static Map<String, String> relevantEnv() {
        Map<String, String> env = new java.util.TreeMap<>();
        System.getenv().forEach((k, v) -> {
            if (k.startsWith("TFIX_") || List.of("XDG_STATE_HOME", "XDG_RUNTIME_DIR", "HOME", "JAVA_TOOL_OPTIONS").contains(k)) {
                env.put(k, v);
            }
        });
        return env;
    }
}
