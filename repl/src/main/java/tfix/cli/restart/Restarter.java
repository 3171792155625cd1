package tfix.cli.restart;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

import tfix.dsl.ScriptRunner;
import tfix.dsl.TfixContext;
import tfix.engine.Engine;
import tfix.engine.Options;
import tfix.engine.TfixSession;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.record.AppliedPatch;
import tfix.engine.restart.AgentSpawn;
import tfix.engine.restart.Listener;
import tfix.engine.restart.Listeners;
import tfix.engine.restart.NotifyListener;
import tfix.engine.restart.ProcFiles;
import tfix.engine.restart.Readiness;
import tfix.engine.restart.RemoteSpawn;
import tfix.engine.restart.SpawnRequest;
import tfix.engine.restart.StopAccepting;
import tfix.engine.restart.SystemdNotify;
import tfix.engine.sys.SocketAbi;

/**
 * tfix restart through ptrace: the new program is spawned inside the old one with its listening sockets, awaited
 * until it accepts on them, then the old one stops accepting and drains. Until the new one is ready nothing in the
 * old one changes but a child more: a new program that fails is killed and reaped, and the old one never noticed.
 */
public final class Restarter {
    /** What tfix restart was asked; {@code exec} and {@code then} may be null. */
    public record Request(int pid, Path exec, Duration drain, Duration ready, boolean await, Path then, boolean hook) {
    }

    private final Engine engine;
    private final Options options;
    private final PrintStream out;

    public Restarter(Engine engine, Options options, PrintStream out) {
        this.engine = engine;
        this.options = options;
        this.out = out;
    }

    public void run(Request req) {
        int newPid;
        Set<Long> open;
        boolean closeSpares;
        List<Listener> sockets;
        Optional<NotifyListener> notify = Optional.empty();
        NewProgramFiles fresh = null;
        // The session first: through the agent (ptrace refused) it is also how the old program's /proc is read.
        try (TfixSession session = TfixSession.attach(req.pid(), engine, options)) {
            String via = session.route();
            ProcFiles proc = session.agent().map(ProcFiles::through).orElseGet(() -> ProcFiles.of(req.pid()));
            OldProgram old = OldProgram.read(proc);
            String program = program(req, old);
            List<Listener> all = Listeners.of(proc);
            sockets = Listeners.distinct(all);
            if (sockets.isEmpty()) {
                throw new TfixException(Reason.BAD_INPUT, "process " + req.pid() + " listens on no socket (TCP, Unix stream"
                        + " or bound UDP), so there is nothing to hand over: restart it the usual way");
            }
            out.println("restart of pid " + req.pid() + " (" + old.executable() + ") via " + via + ", listening on "
                    + sockets.stream().map(Listener::toString).collect(Collectors.joining(", ")));
            Set<Long> inodes = sockets.stream().map(Listener::inode).collect(Collectors.toSet());
            Optional<Path> hook = req.hook() ? SocketHook.find() : Optional.empty();
            if (req.hook() && hook.isEmpty()) {
                out.println("note: no libtfix-agent.so (make -C agent): a program that binds its own socket instead of"
                        + " reading LISTEN_FDS will find its address in use");
            }
            notify = old.systemdNotify() == null ? NotifyListener.open(engine.nat(), req.pid()) : Optional.empty();
            listPatches(req.pid(), session.status());
            List<String> environment = NewEnvironment.of(session, old, hook, notify, out);
            ErrorTail errors = ErrorTail.mark(proc);
            SpawnRequest spawn = new SpawnRequest(program, old.argv(), environment, sockets);
            newPid = session.agent().isPresent() ? AgentSpawn.spawn(session.agent().get(), spawn)
                    : session.remote((libc, kick) -> new RemoteSpawn(libc, req.pid()).spawn(spawn));
            out.println("started pid " + newPid + ": " + program + " (" + (session.agent().isPresent()
                    ? "forked by pid " + req.pid() + "'s agent" : "spawned in pid " + req.pid() + " through ptrace") + ")");
            fresh = new NewProgramFiles(engine, newPid);
            long started = System.nanoTime();
            Ready ready = awaitReady(fresh.files, inodes, req.ready(), notify);
            Readiness.State state = ready.state();
            if (state != Readiness.State.READY) {
                fresh.close();
                stop(session, newPid);
                throw new TfixException(Reason.RESTART_FAILED, "the new program (pid " + newPid + ") "
                        + (state == Readiness.State.EXITED ? "exited" : "did not accept on the handed-over sockets within "
                        + seconds(req.ready())) + "; it was stopped and process " + req.pid() + " serves on as before; "
                        + errors.lastLines(10));
            }
            closeSpares = ready.seen();
            out.println("pid " + newPid + " ready after " + (System.nanoTime() - started) / 1_000_000 + " ms (" + ready.how() + ")");
            try {
                session.remote((libc, kick) -> {
                    new StopAccepting(libc, proc).run(all, kick);
                    return null;
                });
            } catch (RuntimeException e) {
                throw new TfixException(Reason.TARGET_REFUSED, "the new program (pid " + newPid + ") serves, but process "
                        + req.pid() + " could not be made to stop accepting, so both accept for now: " + e.getMessage()
                        + "; stop the old one yourself once its connections end (kill -TERM " + req.pid() + ")", e);
            }
            open = Listeners.connections(proc, all);
            String systemd = old.systemdNotify();
            if (systemd != null) {
                boolean sent = session.remote((libc, kick) -> SystemdNotify.mainPid(libc, systemd, newPid));
                out.println(sent ? "told systemd MAINPID=" + newPid + " (" + systemd + ")"
                        : "could not tell systemd MAINPID=" + newPid + " on " + systemd);
            }
        } catch (RuntimeException e) {
            if (fresh != null) {
                fresh.close();
            }
            throw e;
        } finally {
            notify.ifPresent(NotifyListener::close);
        }
        if (closeSpares) {
            SpareSockets.close(engine, options, fresh, sockets, out);
        } else {
            fresh.close();
            // How it waits for clients is not what /proc shows, so an unused-looking socket may be in use.
            out.println("note: pid " + newPid + " said READY=1 but /proc does not show it waiting for clients, so every"
                    + " handed-over socket stays open in it");
        }
        out.println("pid " + req.pid() + " stopped accepting; it serves its " + open.size() + " open connection(s) to"
                + " their end, then gets SIGTERM (at the latest in " + seconds(req.drain()) + "), SIGKILL 10 s later");
        long stoppedAt = System.nanoTime();
        String start = Drain.startTime(req.pid());
        Drain drain = new Drain(req.pid(), start == null ? "" : start, open);
        // The drain runs beside the --then runbook: the old program need not wait for the new one's patches.
        Thread draining = null;
        long[] exitedAt = {0};
        if (req.await()) {
            draining = new Thread(() -> {
                drain.run(req.drain().toMillis());
                exitedAt[0] = System.nanoTime();
            }, "tfix-drain-" + req.pid());
            draining.start();
        } else {
            detachedDrain(req, start, open);
        }
        try {
            if (req.then() != null) {
                runbook(req.then(), newPid);
            }
        } finally {
            if (draining != null) {
                try {
                    draining.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                out.println("pid " + req.pid() + " has exited, " + (exitedAt[0] - stoppedAt) / 1_000_000
                        + " ms after it stopped accepting");
            }
        }
    }

    private static String program(Request req, OldProgram old) {
        if (req.exec() == null) {
            return old.executable();
        }
        Path p = req.exec().toAbsolutePath().normalize();
        if (!Files.isRegularFile(p) || !Files.isExecutable(p)) {
            throw new TfixException(Reason.BAD_INPUT, "--exec " + req.exec() + ": no executable file there: give the path"
                    + " of the new program");
        }
        return p.toString();
    }

    private void listPatches(int pid, List<AppliedPatch> patches) {
        if (patches.isEmpty()) {
            out.println("no patches in force in pid " + pid);
            return;
        }
        out.println(patches.size() + " patch(es) in force in pid " + pid + " do not carry over (--then SCRIPT applies a"
                + " runbook to the new process): " + patches.stream().map(p -> p.label() + " from " + p.patchLibraryName())
                .collect(Collectors.joining(", ")));
    }

    /** How the new program ended its start: ready (and by which sign), exited, or still starting when the time was up. */
    private record Ready(Readiness.State state, String how, boolean seen) {
    }

    /** Polls /proc and tfix's NOTIFY_SOCKET until the program waits for clients or says READY=1, exits, or the time is up. */
    private static Ready awaitReady(ProcFiles proc, Set<Long> inodes, Duration limit, Optional<NotifyListener> notify) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            Readiness.State s = Readiness.of(proc, inodes);
            if (s == Readiness.State.STARTING && notify.isPresent() && notify.get().ready()) {
                return new Ready(Readiness.State.READY, "it sent READY=1", false);
            }
            if (s != Readiness.State.STARTING || System.nanoTime() > deadline) {
                return new Ready(s, "it waits for clients on a handed-over socket", true);
            }
            LockSupport.parkNanos(5_000_000);
        }
    }

    /** Kills a new program that failed and reaps it in the old one (its parent), which may not expect the child. */
    private static void stop(TfixSession session, int newPid) {
        ProcessHandle.of(newPid).ifPresent(ProcessHandle::destroyForcibly);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (Drain.startTime(newPid) != null && System.nanoTime() < deadline) {
            LockSupport.parkNanos(2_000_000);
        }
        session.remote((libc, kick) -> libc.callLockFree("waitpid of the failed new program", "waitpid",
                tfix.engine.remote.RemoteCaller.value(newPid), tfix.engine.remote.RemoteCaller.value(0),
                tfix.engine.remote.RemoteCaller.value(SocketAbi.WNOHANG)));
    }

    /** A small JVM of its own session that outlives tfix restart and drains the old program. */
    private void detachedDrain(Request req, String start, Set<Long> open) {
        if (start == null) {
            return; // already gone
        }
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>(List.of("setsid", java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx32m",
                "-cp", System.getProperty("java.class.path"), Drain.class.getName(), Integer.toString(req.pid()), start,
                Long.toString(req.drain().toMillis())));
        open.forEach(i -> cmd.add(Long.toString(i)));
        try {
            new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new TfixException(Reason.IO, "the new program serves and the old one no longer accepts, but tfix could"
                    + " not start the watcher that ends the old one (" + e.getMessage() + "): kill -TERM " + req.pid()
                    + " once its connections end, or use --wait");
        }
    }

    private void runbook(Path script, int newPid) {
        out.println("--then " + script + " on pid " + newPid);
        try (TfixContext ctx = new TfixContext(engine, options, out, Path.of("").toAbsolutePath())) {
            new ScriptRunner(ctx).runFile(script, new java.util.HashMap<>(Map.of("pid", newPid)));
        }
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
