package tfix.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tfix.engine.Engine;
import tfix.engine.Options;
import tfix.engine.TfixSession;
import tfix.engine.service.ServiceProcess;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/**
 * The resident service (tfix service) started by the test on a socket in a temporary folder, driven by the
 * launcher's C client (repl/target/tfix-client, built by this module) against real targets.
 */
class ServiceTest {
    private static final Path CLIENT = Path.of("target", "tfix-client").toAbsolutePath();
    private static final Path HOME = Path.of("..").toAbsolutePath().normalize();

    /** The command line's own JVM, which the client becomes when the service does not run a command. */
    private static List<String> jvm() {
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:TieredStopAtLevel=1",
                "-Dtfix.home=" + HOME, "-cp", System.getProperty("java.class.path"), "tfix.cli.Main");
    }

    private static ServiceProcess startService(Path socket) throws Exception {
        List<String> args = new ArrayList<>(jvm().subList(1, jvm().size()));
        args.addAll(List.of("service", "--socket", socket.toString()));
        return ServiceProcess.start(Path.of(jvm().get(0)), Duration.ofSeconds(60), args.toArray(String[]::new));
    }

    /** The client, run to its end: what the launcher runs when a service socket exists. */
    private static CliTest.Result client(Path socket, Path dir, String... args) throws Exception {
        return client(socket, dir, jvm(), List.of(), args);
    }

    private static CliTest.Result client(Path socket, Path dir, List<String> javaCommand, List<String> prefix,
                                         String... args) throws Exception {
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(CLIENT.toString());
        cmd.addAll(javaCommand);
        cmd.add("--");
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("TFIX_SOCKET", socket.toString());
        pb.environment().remove("TFIX_SERVICE");
        Process p = pb.start();
        try {
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the client did not finish: " + cmd);
            return new CliTest.Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            p.destroyForcibly();
        }
    }

    /** The names of the service's threads now (/proc/PID/task/TID/comm shows a Java thread's name, cut to 15). */
    private static List<String> threadNames(int pid) throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Integer.toString(pid), "task"))) {
            return tasks.map(t -> {
                try {
                    return Files.readString(t.resolve("comm")).strip();
                } catch (IOException e) {
                    return ""; // the thread ended meanwhile
                }
            }).toList();
        }
    }

    @Test
    void replaceVerifyStatusRevertThroughTheServiceLeaveNoTracerBehind(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("run").resolve("service.sock");
        Path exe = Targets.exe("scorer.c", "-pie", "-fPIE");
        Path patch = Targets.patch("scorer_patch.c");
        Files.copy(patch, dir.resolve("patch.so"));
        try (ServiceProcess service = startService(socket); RunningTarget t = RunningTarget.start(exe)) {
            t.awaitLine("compute=40 static=16");
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent())));
            String pid = Integer.toString(t.pid());

            // A relative path resolves against the client's folder, not the service's.
            CliTest.Result r = clientIn(dir, socket, "--service", "exec", "--debug",
                    "attach " + pid + "; replace 'compute' with 'compute_v2' from 'patch.so'; verify; detach");
            assertEquals(0, r.exit(), r.err());
            assertTrue(r.out().contains("replaced compute with compute_v2 from patch.so"), r.out());
            assertTrue(r.err().contains("tfix debug: run by the tfix service (pid " + service.pid()), r.err());
            t.awaitLine("compute=1005");

            CliTest.Result vf = client(socket, dir, "--service", "verify", "--pid", pid);
            assertEquals(0, vf.exit(), vf.err());
            assertTrue(vf.out().contains("jump in place"), vf.out());
            CliTest.Result st = client(socket, dir, "--service", "status", "--pid", pid);
            assertEquals(0, st.exit(), st.err());
            assertTrue(st.out().contains("1 patch in force") && st.out().contains("compute -> compute_v2"), st.out());
            // --all PATH, relative, names the program as the client's folder sees it.
            CliTest.Result all = clientIn(dir, socket, "--service", "status", "--all", dir.relativize(exe).toString());
            assertEquals(0, all.exit(), all.err());
            assertTrue(all.out().contains("[" + pid + "] ") && all.out().contains("compute -> compute_v2"), all.out());
            // --json says who ran it; the same command in its own JVM says so too.
            CliTest.Result json = client(socket, dir, "--service", "status", "--pid", pid, "--json");
            assertTrue(json.out().contains("\"ranBy\":\"service\""), json.out());
            Schema schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                    .getSchema(Files.readString(HOME.resolve("docs").resolve("tfix-result.schema.json")));
            for (String line : json.out().lines().toList()) {
                assertEquals(List.of(), schema.validate(new ObjectMapper().readTree(line)), line);
            }
            CliTest.Result jsonCli = CliTest.tfix("status", "--pid", pid, "--json");
            assertTrue(jsonCli.out().contains("\"ranBy\":\"cli\""), jsonCli.out());

            CliTest.Result rv = client(socket, dir, "--service", "revert", "--pid", pid, "compute");
            assertEquals(0, rv.exit(), rv.err());
            assertTrue(rv.out().contains("reverted compute") && rv.out().contains("0 patches in force"), rv.out());
            t.awaitLine("compute=40");
            assertFalse(t.traced());
            assertTrue(threadNames(service.pid()).stream().noneMatch(n -> n.startsWith("tfix-ptrace")),
                    "a ptrace thread outlived its command: " + threadNames(service.pid()));

            CliTest.Result ss = client(socket, dir, "service", "status");
            assertEquals(0, ss.exit(), ss.err());
            assertTrue(ss.out().contains("running, pid " + service.pid()) && ss.out().contains("commands served"), ss.out());

            // SIGTERM (systemctl stop): the service ends and takes its socket with it.
            ProcessHandle h = ProcessHandle.of(service.pid()).orElseThrow();
            h.destroy();
            h.onExit().get(60, TimeUnit.SECONDS);
            assertFalse(Files.exists(socket), "a stopped service removes its socket");
        }
    }

    private static CliTest.Result clientIn(Path cwd, Path socket, String... args) throws Exception {
        Path out = cwd.resolve("in-out.txt");
        Path err = cwd.resolve("in-err.txt");
        List<String> cmd = new ArrayList<>(List.of(CLIENT.toString()));
        cmd.addAll(jvm());
        cmd.add("--");
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("TFIX_SOCKET", socket.toString());
        Process p = pb.start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        return new CliTest.Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    void badInputIsTheSameOneLineAndExitCodeAsTheCommandLine(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("service.sock");
        try (ServiceProcess service = startService(socket); RunningTarget t = RunningTarget.start(Targets.exe("scorer.c"))) {
            t.awaitLine("compute=40");
            String[][] cases = {
                {"exec", "attach " + t.pid() + "\nreplase 'compute' with 'x' from 'p.so'"},
                {"status", "--pid", Integer.toString(t.pid()), "--bogus"},
                {"revert", "--pid", Integer.toString(t.pid()), "no_such_function"},
                {"exec", "attach 999999999; status"},
            };
            for (String[] c : cases) {
                CliTest.Result viaService = client(socket, dir, prepend("--service", c));
                CliTest.Result alone = CliTest.tfix(c);
                assertEquals(alone.exit(), viaService.exit(), Arrays.toString(c) + ": " + viaService.err());
                assertEquals(alone.err(), viaService.err(), Arrays.toString(c));
                assertEquals(timeless(alone.out()), timeless(viaService.out()), Arrays.toString(c));
                assertTrue(alone.exit() != 0 && alone.err().lines().count() == 1, alone.err());
            }
            assertFalse(t.traced());
        }
    }

    /** Output with its measured times taken out (an attach takes its own time each run). */
    private static String timeless(String out) {
        return out.replaceAll("\\d+\\.\\d+ ms", "T ms");
    }

    private static String[] prepend(String first, String[] rest) {
        String[] all = new String[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }

    @Test
    void withoutAServiceTheClientRunsTheCommandLineItselfUnlessTheServiceWasAskedFor(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("none.sock");
        CliTest.Result silent = client(socket, dir, "--version");
        assertEquals(0, silent.exit(), silent.err());
        assertTrue(silent.out().startsWith("tfix "), silent.out());
        assertEquals("", silent.err());
        // A command the service does not run (the REPL, watch...) goes to the JVM too; asked for, it is refused in one line.
        try (ServiceProcess service = startService(socket)) {
            CliTest.Result echo = client(socket, dir, List.of("echo", "JVM"), List.of(), "demo", "--help");
            assertEquals("JVM demo --help\n", echo.out());
            CliTest.Result asked = client(socket, dir, List.of("echo", "JVM"), List.of(), "--service", "demo", "--help");
            assertEquals(2, asked.exit());
            assertEquals("tfix: --service: `tfix demo` runs in its own process, not in the service (run without --service)\n",
                    asked.err());
        }
    }

    @Test
    void tfixServiceAutoStartsAServiceDetachedAndTheNextCommandUsesIt(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("auto").resolve("service.sock");
        List<String> cmd = new ArrayList<>(List.of(CLIENT.toString()));
        cmd.addAll(jvm());
        cmd.addAll(List.of("--", "exec", "--debug", "1 + 1"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(dir.resolve("o.txt").toFile())
                .redirectError(dir.resolve("e.txt").toFile());
        pb.environment().put("TFIX_SOCKET", socket.toString());
        pb.environment().put("TFIX_SERVICE", "auto");
        Process p = pb.start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        String err = Files.readString(dir.resolve("e.txt"));
        assertEquals(0, p.exitValue(), err);
        assertTrue(err.contains("tfix debug: run by the tfix service (pid "), err);
        long pid = Long.parseLong(err.replaceAll("(?s).*run by the tfix service \\(pid (\\d+).*", "$1"));
        ProcessHandle service = ProcessHandle.of(pid).orElseThrow();
        try {
            // Detached: not a child of the client, in a session of its own, its log beside the socket.
            assertTrue(service.parent().map(pp -> pp.pid() != p.pid()).orElse(true));
            assertTrue(Files.readString(Path.of(socket + ".log")).contains("ready pid=" + pid));
            CliTest.Result again = client(socket, dir, "service", "status");
            assertTrue(again.out().contains("running, pid " + pid), again.out());
        } finally {
            service.destroy();
            service.onExit().get(60, TimeUnit.SECONDS);
        }
        assertFalse(Files.exists(socket));
    }

    @Test
    void aClientOfAnotherUserIsRefused(@TempDir Path dir) throws Exception {
        Path folder = dir.resolve("run");
        Path socket = folder.resolve("service.sock");
        List<String> asNobody = List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        try (ServiceProcess service = startService(socket)) {
            // The folder (0700) keeps nobody out: the client finds no service and runs the command line itself.
            Path clientCopy = dir.resolve("tfix-client");
            Files.copy(CLIENT, clientCopy);
            Files.setPosixFilePermissions(clientCopy, PosixFilePermissions.fromString("rwxr-xr-x"));
            CliTest.Result out = runAs(asNobody, clientCopy, socket, "status", "--pid", "1");
            assertEquals("JVM status --pid 1\n", out.out(), out.err());
            // With the folder opened by hand, the peer check refuses: one line, exit 1, and the service serves on.
            Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwx--x--x"));
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
            CliTest.Result refused = runAs(asNobody, clientCopy, socket, "status", "--pid", "1");
            assertEquals(1, refused.exit(), refused.out());
            assertTrue(refused.err().startsWith("tfix: the tfix service at " + socket + " runs commands for root only, not for"
                    + " nobody") && refused.err().lines().count() == 1, refused.err());
            assertTrue(service.awaitLine(l -> l.contains("refused a client"), Duration.ofSeconds(10)).isPresent());
            CliTest.Result ok = client(socket, dir, "--service", "--version");
            assertEquals(0, ok.exit(), ok.err());
        }
    }

    private static CliTest.Result runAs(List<String> prefix, Path client, Path socket, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(client.toString());
        cmd.addAll(List.of("echo", "JVM", "--"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("TFIX_SOCKET", socket.toString());
        pb.environment().remove("TFIX_SERVICE");
        Process p = pb.start();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        String out = read(p.getInputStream());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new CliTest.Result(p.exitValue(), out, err.join());
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void twoClientsAtOnceOnTwoProcessesAndTwoTakingTurnsOnOne(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("service.sock");
        Path exe = Targets.exe("scorer.c");
        Path patch = Targets.patch("scorer_patch.c");
        try (ServiceProcess service = startService(socket); RunningTarget a = RunningTarget.start(exe);
             RunningTarget b = RunningTarget.start(exe)) {
            a.awaitLine("compute=40");
            b.awaitLine("compute=40");
            String replace = "; replace 'compute' with 'compute_v2' from '" + patch + "'; detach";
            CompletableFuture<CliTest.Result> onA = CompletableFuture.supplyAsync(() -> call(() ->
                    client(socket, dir, "--service", "exec", "attach " + a.pid() + replace)));
            CompletableFuture<CliTest.Result> onB = CompletableFuture.supplyAsync(() -> call(() ->
                    client(socket, dir, "--service", "exec", "attach " + b.pid() + replace)));
            // A second command on b at the same time waits its turn (one tracer per process).
            CompletableFuture<CliTest.Result> onBAgain = CompletableFuture.supplyAsync(() -> call(() ->
                    client(socket, dir, "--service", "exec", "attach " + b.pid() + "; status; detach")));
            for (CliTest.Result r : List.of(onA.join(), onB.join(), onBAgain.join())) {
                assertEquals(0, r.exit(), r.err());
            }
            a.awaitLine("compute=1005");
            b.awaitLine("compute=1005");
            assertTrue(onB.join().out().contains("replaced compute"), onB.join().out());
            assertTrue(onBAgain.join().out().matches("(?s).*[01] patch(es)? in force.*"), onBAgain.join().out());
            CliTest.Result st = client(socket, dir, "--service", "status", "--pid", Integer.toString(b.pid()));
            assertTrue(st.out().contains("1 patch in force"), st.out());
            for (RunningTarget t : List.of(a, b)) {
                assertEquals(0, client(socket, dir, "--service", "revert", "--pid", Integer.toString(t.pid())).exit());
                t.awaitLine("compute=40");
                assertFalse(t.traced());
            }
        }
    }

    interface Call<T> {
        T call() throws Exception;
    }

    private static <T> T call(Call<T> c) {
        try {
            return c.call();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A client whose output is read as it comes, to act at a point of its command. */
    private static final class LiveClient implements AutoCloseable {
        final Process process;
        final List<String> lines = new ArrayList<>();
        private final Thread reader;

        LiveClient(Path socket, String... args) throws IOException {
            List<String> cmd = new ArrayList<>(List.of(CLIENT.toString()));
            cmd.addAll(jvm());
            cmd.add("--");
            cmd.addAll(List.of(args));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            pb.environment().put("TFIX_SOCKET", socket.toString());
            process = pb.start();
            reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String l = r.readLine(); l != null; l = r.readLine()) {
                        synchronized (lines) {
                            lines.add(l);
                            lines.notifyAll();
                        }
                    }
                } catch (IOException e) {
                    // The client was killed.
                }
                synchronized (lines) {
                    lines.notifyAll();
                }
            });
            reader.start();
        }

        /** Waits until {@code count} lines match. */
        void awaitLines(Pattern match, int count, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            synchronized (lines) {
                while (lines.stream().filter(l -> match.matcher(l).find()).count() < count) {
                    long left = deadline - System.nanoTime();
                    assertTrue(left > 0 && (process.isAlive() || reader.isAlive()), "no " + count + " lines matching "
                            + match + ": " + lines);
                    TimeUnit.NANOSECONDS.timedWait(lines, left);
                }
            }
        }

        String all() throws InterruptedException {
            reader.join(TimeUnit.SECONDS.toMillis(60));
            synchronized (lines) {
                return String.join("\n", lines);
            }
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    private record Hot(long address, byte[] original, byte[] patched) {
    }

    private static Hot hot(RunningTarget t, Path patch) {
        try (TfixSession s = TfixSession.attach(t.pid(), Engine.create(), Options.defaults())) {
            long hot = s.symbols().resolve("hot", null, List.of()).address();
            byte[] original = Targets.peek(t.pid(), hot, 16);
            s.replace("hot", null, "hot_v2", patch);
            byte[] patched = Targets.peek(t.pid(), hot, 16);
            s.revert("hot");
            return new Hot(hot, original, patched);
        }
    }

    private static void awaitUntraced(RunningTarget t) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (t.traced() && System.nanoTime() < deadline) {
            Thread.sleep(1); // the kernel lets a dead tracer's tracees go; nothing to wait on but /proc
        }
        assertFalse(t.traced(), "still traced after the service died");
    }

    @Test
    void killingTheServiceMidCommandLeavesTheTargetRunningAndWholeAndTheClientSaysSo(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("service.sock");
        Path exe = Targets.exe("hammer.c");
        Path patch = Targets.patch("hammer_patch.c");
        try (RunningTarget t = RunningTarget.start(exe, "4")) {
            t.awaitLine("tick 1 ");
            Hot hot = hot(t, patch);
            for (int round = 0; round < 3; round++) {
                String cycle = "replace 'hot' with 'hot_v2' from '" + patch + "'; revert 'hot'; ";
                try (ServiceProcess service = startService(socket);
                     LiveClient c = new LiveClient(socket, "--service", "exec", "attach " + t.pid() + "; "
                             + cycle.repeat(200) + "detach")) {
                    // Killed after a few replaces: somewhere inside the next write or revert.
                    c.awaitLines(Pattern.compile("^replaced hot"), 3 + round * 2, Duration.ofSeconds(60));
                    new ProcessBuilder("kill", "-KILL", Integer.toString(service.pid())).start().waitFor();
                    assertTrue(c.process.waitFor(30, TimeUnit.SECONDS));
                    assertEquals(1, c.process.exitValue(), c.all());
                    assertTrue(c.all().contains("tfix: the tfix service at " + socket + " ended before the command did"), c.all());
                }
                awaitUntraced(t);
                char state = t.state().orElse('?');
                assertTrue(state != 't' && state != 'T', "target left stopped: " + state);
                byte[] now = Targets.peek(t.pid(), hot.address(), 16);
                boolean patched = Arrays.equals(now, hot.patched());
                assertTrue(patched || Arrays.equals(now, hot.original()), "hot() is neither old nor new code");
                // What the process records agrees with its bytes.
                CliTest.Result st = CliTest.tfix("status", "--pid", Integer.toString(t.pid()));
                assertEquals(0, st.exit(), st.err());
                assertTrue(st.out().contains(patched ? "1 patch in force" : "0 patches in force"), patched + ": " + st.out());
                CliTest.Result rv = CliTest.tfix("exec", "attach " + t.pid() + "; revert(); status; detach");
                assertEquals(0, rv.exit(), rv.err());
                assertArrayEquals(hot.original(), Targets.peek(t.pid(), hot.address(), 16));
            }
            assertTrue(t.alive());
            assertTrue(t.output().stream().noneMatch(l -> l.startsWith("BAD")), String.join("\n", t.output()));
        }
    }

    @Test
    void aClientThatGoesAwayMidCommandDoesNotStopItOrTheService(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("service.sock");
        Path exe = Targets.exe("hammer.c");
        Path patch = Targets.patch("hammer_patch.c");
        try (ServiceProcess service = startService(socket); RunningTarget t = RunningTarget.start(exe, "4")) {
            t.awaitLine("tick 1 ");
            Hot hot = hot(t, patch);
            String cycle = "replace 'hot' with 'hot_v2' from '" + patch + "'; revert 'hot'; ";
            try (LiveClient c = new LiveClient(socket, "--service", "exec", "attach " + t.pid() + "; " + cycle.repeat(20)
                    + "detach")) {
                c.awaitLines(Pattern.compile("^replaced hot"), 2, Duration.ofSeconds(60));
                c.process.destroyForcibly().waitFor();
            }
            // The command runs to its end in the service, which says so, and serves the next client.
            assertTrue(service.awaitLine(l -> l.contains("went away; the command ran to its end, exit 0"),
                    Duration.ofSeconds(120)).isPresent(), service.lastLines(10).toString());
            assertFalse(t.traced());
            assertArrayEquals(hot.original(), Targets.peek(t.pid(), hot.address(), 16));
            CliTest.Result st = client(socket, dir, "--service", "status", "--pid", Integer.toString(t.pid()));
            assertEquals(0, st.exit(), st.err());
            assertTrue(st.out().contains("0 patches in force"), st.out());
            assertTrue(t.output().stream().noneMatch(l -> l.startsWith("BAD")));
        }
    }

    @Test
    void theServiceKeepsCompiledScriptsAndParsedFilesWarm(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("service.sock");
        try (ServiceProcess service = startService(socket); RunningTarget t = RunningTarget.start(Targets.exe("scorer.c"))) {
            t.awaitLine("compute=40");
            for (int i = 0; i < 3; i++) { // status is called directly, with no script; exec compiles one, once
                assertEquals(0, client(socket, dir, "--service", "status", "--pid", Integer.toString(t.pid())).exit());
                assertEquals(0, client(socket, dir, "--service", "exec", "attach " + t.pid() + "; status; detach").exit());
            }
            CliTest.Result ss = client(socket, dir, "--service", "service", "status");
            // Six runs: one script compiled, the target's files parsed once (kept, not re-read).
            assertTrue(ss.out().contains("6 commands served"), ss.out());
            assertTrue(Pattern.compile("warm: [1-9]\\d* ELF files parsed, 1 scripts compiled").matcher(ss.out()).find(), ss.out());
            assertFalse(t.traced());
        }
    }
}
