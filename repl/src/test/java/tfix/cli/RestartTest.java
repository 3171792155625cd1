package tfix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tfix.engine.service.ServiceProcess;
import tfix.engine.testing.Await;
import tfix.engine.testing.Targets;

/** tfix restart on real servers: the new program gets the listening socket, no connect is refused, the old one drains. */
class RestartTest {
    private static final Pattern STARTED = Pattern.compile("started pid (\\d+)");
    private static final Pattern PORT = Pattern.compile("port=(\\d+)");
    /** Every server pid a test started or a restart made: all are killed after the test, whatever happened. */
    private final List<Long> pids = Collections.synchronizedList(new ArrayList<>());
    private final List<ServiceProcess> services = new ArrayList<>();

    @AfterEach
    void killEverything() {
        pids.forEach(p -> ProcessHandle.of(p).ifPresent(ProcessHandle::destroyForcibly));
        services.forEach(ServiceProcess::close);
    }

    private ServiceProcess start(Path binary, String... args) throws Exception {
        ServiceProcess s = ServiceProcess.start(binary, Duration.ofSeconds(20), args);
        services.add(s);
        pids.add((long) s.pid());
        return s;
    }

    private static int port(ServiceProcess s) {
        Matcher m = PORT.matcher(s.readyLine());
        assertTrue(m.find(), s.readyLine());
        return Integer.parseInt(m.group(1));
    }

    /** One request on a fresh connection: the reply line, "VERSION PID". */
    private static String ask(int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII));
            return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        }
    }

    private int restart(String... args) throws Exception {
        CliTest.Result r = CliTest.tfix(args);
        assertEquals(0, r.exit(), r.out() + r.err());
        Matcher m = STARTED.matcher(r.out());
        assertTrue(m.find(), r.out());
        int pid = Integer.parseInt(m.group(1));
        pids.add((long) pid);
        return pid;
    }

    private static boolean gone(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state == 'Z' || state == 'X';
        } catch (IOException e) {
            return true;
        }
    }

    /** Clients that each open a connection, send five requests on it (pausing between), check every reply, close. */
    private static final class Load implements AutoCloseable {
        final AtomicLong ok = new AtomicLong(), refused = new AtomicLong(), failed = new AtomicLong();
        final List<String> problems = Collections.synchronizedList(new ArrayList<>());
        private final AtomicBoolean stop = new AtomicBoolean();
        private final List<Thread> threads = new ArrayList<>();

        /** What one client does on one connection; false: a wrong or missing reply. */
        interface Exchange {
            boolean run(OutputStream out, BufferedReader in) throws IOException;
        }

        private final Exchange exchange;

        /** Five requests on each connection, every reply checked, paced: a few hundred requests a second over all clients. */
        Load(int port, int clients) {
            this(port, clients, (out, in) -> {
                for (int i = 0; i < 5; i++) {
                    out.write(("request " + i + "\n").getBytes(StandardCharsets.US_ASCII));
                    String reply = in.readLine();
                    if (reply == null || !reply.matches("v\\d \\d+")) {
                        return false;
                    }
                    LockSupport.parkNanos(20_000_000);
                }
                return true;
            });
        }

        Load(int port, int clients, Exchange exchange) {
            this.exchange = exchange;
            for (int i = 0; i < clients; i++) {
                Thread t = new Thread(() -> {
                    while (!stop.get()) {
                        oneConnection(port);
                    }
                }, "load-" + i);
                t.start();
                threads.add(t);
            }
        }

        private void oneConnection(int port) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                s.setSoTimeout(10_000);
                OutputStream out = s.getOutputStream();
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                if (exchange.run(out, in)) {
                    ok.incrementAndGet();
                } else {
                    failed.incrementAndGet();
                    problems.add("a wrong or missing reply");
                }
            } catch (ConnectException e) {
                refused.incrementAndGet();
                problems.add("refused: " + e.getMessage());
            } catch (IOException e) {
                failed.incrementAndGet();
                problems.add(e.toString());
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) {
                t.join(30_000);
            }
        }
    }

    @Test
    void twentyRestartsUnderLoadRefuseNothingAndLoseNoRequest() throws Exception {
        ServiceProcess first = start(Targets.exe("restart_server.c"), "epoll");
        int port = port(first);
        List<Integer> olds = new ArrayList<>();
        int current = first.pid();
        long before;
        try (Load load = new Load(port, 8)) {
            Await.until(Duration.ofSeconds(10), () -> load.ok.get() > 10);
            for (int i = 0; i < 20; i++) {
                olds.add(current);
                current = restart("restart", "--pid", Integer.toString(current), "--drain-timeout", "5s");
                // The old one no longer accepts: every new connection is the new program's.
                for (int k = 0; k < 3; k++) {
                    assertEquals("v1 " + current, ask(port), "restart " + (i + 1));
                }
            }
            before = load.ok.get();
            Await.until(Duration.ofSeconds(10), () -> load.ok.get() > before + 10);
            load.close();
            assertEquals(0, load.refused.get(), "refused: " + load.problems);
            assertEquals(0, load.failed.get(), "failed: " + load.problems);
            System.out.println("RestartTest: 20 restarts, " + load.ok.get() + " connections of 5 requests each answered, 0 refused, 0 failed");
        }
        for (int old : olds) {
            Await.until(Duration.ofSeconds(20), () -> gone(old));
        }
    }

    @Test
    void blockingAcceptThreadsStopAcceptingAndTheOldServesItsOpenConnectionToItsEnd() throws Exception {
        ServiceProcess old = start(Targets.exe("restart_server.c"), "threads");
        int port = port(old);
        try (Socket held = new Socket("127.0.0.1", port)) {
            held.setSoTimeout(10_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(held.getInputStream(), StandardCharsets.US_ASCII));
            held.getOutputStream().write("one\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("v1 " + old.pid(), in.readLine());
            int fresh = restart("restart", "--pid", Integer.toString(old.pid()), "--drain-timeout", "60s");
            // Four threads of the old one were blocked in accept: none may take a connection now.
            for (int k = 0; k < 20; k++) {
                assertEquals("v1 " + fresh, ask(port));
            }
            assertTrue(old.await("ready pid=" + fresh + " port=" + port + " inherited=1", Duration.ofSeconds(5)).isPresent(),
                    "the new program took the socket from LISTEN_FDS (same log: it kept the old one's stdout)");
            held.getOutputStream().write("two\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("v1 " + old.pid(), in.readLine(), "the old process serves its open connection");
            assertFalse(gone(old.pid()));
        }
        // Its last connection closed: SIGTERM, long before the 60 s drain time.
        Await.until(Duration.ofSeconds(20), () -> gone(old.pid()));
    }

    @Test
    void aUnixStreamListenerIsHandedOverAndItsOpenConnectionDrains(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("game.sock");
        ServiceProcess old = start(Targets.exe("restart_server.c"), "epoll", path.toString());
        try (java.nio.channels.SocketChannel held = java.nio.channels.SocketChannel.open(java.net.UnixDomainSocketAddress.of(path))) {
            BufferedReader in = new BufferedReader(new InputStreamReader(java.nio.channels.Channels.newInputStream(held),
                    StandardCharsets.US_ASCII));
            held.write(java.nio.ByteBuffer.wrap("one\n".getBytes(StandardCharsets.US_ASCII)));
            assertEquals("v1 " + old.pid(), in.readLine());
            CliTest.Result r = CliTest.tfix("restart", "--pid", Integer.toString(old.pid()), "--drain-timeout", "60s");
            assertEquals(0, r.exit(), r.out() + r.err());
            assertTrue(r.out().contains("listening on unix " + path) && r.out().contains("its 1 open connection(s)"), r.out());
            Matcher m = STARTED.matcher(r.out());
            assertTrue(m.find(), r.out());
            int fresh = Integer.parseInt(m.group(1));
            pids.add((long) fresh);
            for (int k = 0; k < 5; k++) {
                try (java.nio.channels.SocketChannel c = java.nio.channels.SocketChannel.open(java.net.UnixDomainSocketAddress.of(path))) {
                    c.write(java.nio.ByteBuffer.wrap("hi\n".getBytes(StandardCharsets.US_ASCII)));
                    assertEquals("v1 " + fresh, new BufferedReader(new InputStreamReader(java.nio.channels.Channels.newInputStream(c),
                            StandardCharsets.US_ASCII)).readLine());
                }
            }
            held.write(java.nio.ByteBuffer.wrap("two\n".getBytes(StandardCharsets.US_ASCII)));
            assertEquals("v1 " + old.pid(), in.readLine(), "the old process serves its open connection");
        }
        Await.until(Duration.ofSeconds(20), () -> gone(old.pid()));
    }

    @Test
    void aBrokenNewProgramIsStoppedAndTheOldServesOn() throws Exception {
        ServiceProcess old = start(Targets.exe("restart_server.c"), "epoll");
        int port = port(old);
        CliTest.Result r = CliTest.tfix("restart", "--pid", Integer.toString(old.pid()), "--exec",
                Targets.exe("restart_broken.c").toString());
        assertEquals(1, r.exit(), r.out() + r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("exited") && r.err().contains("serves on as before")
                && r.err().contains("broken: cannot read /etc/game/config.toml"), r.err());
        assertEquals("v1 " + old.pid(), ask(port));
        assertEquals("", Files.readString(Path.of("/proc", Integer.toString(old.pid()), "task", Integer.toString(old.pid()),
                "children")).trim(), "the failed program was reaped in the old one");
        assertFalse(old.traced());
    }

    @Test
    void execStartsTheNewVersion() throws Exception {
        ServiceProcess old = start(Targets.exe("restart_server.c"), "epoll");
        int port = port(old);
        Path v2 = Targets.exe("restart_server.c", "-DVERSION=\"v2\"");
        int fresh = restart("restart", "--pid", Integer.toString(old.pid()), "--exec", v2.toString(), "--wait");
        assertTrue(gone(old.pid()), "--wait returns once the old process has exited");
        assertEquals("v2 " + fresh, ask(port));
    }

    @Test
    void systemdHearsTheNewMainPid(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("notify");
        ServiceProcess sink = start(Targets.exe("notify_sink.c"), socket.toString());
        ServiceProcess old = start(Path.of("/usr/bin/env"), "NOTIFY_SOCKET=" + socket, Targets.exe("restart_server.c").toString(), "epoll");
        int fresh = restart("restart", "--pid", Integer.toString(old.pid()), "--drain-timeout", "2s");
        assertTrue(sink.await("got MAINPID=" + fresh, Duration.ofSeconds(10)).isPresent(), sink.output().toString());
        assertEquals("v1 " + fresh, ask(port(old)));
    }

    @Test
    void aProgramThatBindsItsOwnSocketIsHandedTheInheritedOne() throws Exception {
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        Path server = Targets.exe("restart_server.c");
        ServiceProcess old = start(server, "epoll", Integer.toString(port), "own");
        assertEquals("v1 " + old.pid(), ask(port));

        CliTest.Result without = CliTest.tfix("restart", "--pid", Integer.toString(old.pid()), "--no-hook");
        assertEquals(1, without.exit(), without.out() + without.err());
        assertTrue(without.err().contains("Address already in use"), "its own bind fails: " + without.err());
        assertEquals("v1 " + old.pid(), ask(port));

        int fresh = restart("restart", "--pid", Integer.toString(old.pid()), "--drain-timeout", "2s");
        for (int k = 0; k < 10; k++) {
            assertEquals("v1 " + fresh, ask(port), "its bind took the inherited socket (the agent's hook)");
        }
        String env = new String(Files.readAllBytes(Path.of("/proc", Integer.toString(fresh), "environ")), StandardCharsets.UTF_8);
        assertTrue(env.contains("LD_PRELOAD=") && env.contains("libtfix-agent.so"), "preloaded: " + env);
        Await.until(Duration.ofSeconds(20), () -> gone(old.pid()));
    }

    /** samples/README.md: the sample server restarted under client load, its fix applied again by --then. */
    @Test
    void theSampleGameserverRestartsUnderLoadAndGetsItsFixAgain() throws Exception {
        Path samples = Path.of("..", "samples").toAbsolutePath().normalize();
        ServiceProcess old = start(samples.resolve("build/gameserver"), "0");
        int port = port(old);
        Path fix = samples.resolve("gameserver/fix-score.tfix.groovy");
        CliTest.Result applied = CliTest.tfix("run", fix.toString(), "--pid", Integer.toString(old.pid()));
        assertEquals(0, applied.exit(), applied.out() + applied.err());
        int fresh;
        try (Load load = new Load(port, 4, (out, in) -> {
            out.write("status\n".getBytes(StandardCharsets.US_ASCII));
            String line;
            int players = 0;
            while ((line = in.readLine()) != null && !line.equals("end")) {
                players += line.startsWith("player ") ? 1 : 0;
            }
            out.write("quit\n".getBytes(StandardCharsets.US_ASCII));
            LockSupport.parkNanos(20_000_000);
            return "end".equals(line) && players == 4;
        })) {
            Await.until(Duration.ofSeconds(10), () -> load.ok.get() > 10);
            long t0 = System.nanoTime();
            CliTest.Result r = CliTest.tfix("restart", "--pid", Integer.toString(old.pid()), "--wait", "--then", fix.toString());
            System.out.println("RestartTest: sample restarted in " + (System.nanoTime() - t0) / 1_000_000 + " ms:\n" + r.out());
            assertEquals(0, r.exit(), r.out() + r.err());
            assertTrue(r.out().contains("1 patch(es) in force in pid " + old.pid() + " do not carry over")
                    && r.out().contains("score_for_kill from libfix_score.so"), r.out());
            Matcher m = STARTED.matcher(r.out());
            assertTrue(m.find(), r.out());
            fresh = Integer.parseInt(m.group(1));
            pids.add((long) fresh);
            assertTrue(gone(old.pid()));
            long before = load.ok.get();
            Await.until(Duration.ofSeconds(10), () -> load.ok.get() > before + 10);
            load.close();
            assertEquals(0, load.refused.get(), "refused: " + load.problems);
            assertEquals(0, load.failed.get(), "failed: " + load.problems);
        }
        CliTest.Result status = CliTest.tfix("status", "--pid", Integer.toString(fresh));
        assertEquals(0, status.exit(), status.err());
        assertTrue(status.out().contains("score_for_kill"), "--then applied the fix to the new process: " + status.out());
        assertTrue(old.await("ready pid=" + fresh + " port=" + port, Duration.ofSeconds(5)).isPresent());
    }

    /** The sample server started undumpable with the agent preloaded: tfix (without CAP_SYS_PTRACE) reaches it only so. */
    private ServiceProcess undumpableGameserver() throws Exception {
        Path samples = Path.of("..", "samples").toAbsolutePath().normalize();
        return start(Path.of("/usr/bin/env"), "LD_PRELOAD=" + tfix.engine.testing.AgentTargets.library(),
                "GAMESERVER_UNDUMPABLE=1", samples.resolve("build/gameserver").toString(), "0");
    }

    /** The sample server's status exchange: every player line, then "end". */
    private static boolean status(OutputStream out, BufferedReader in) throws IOException {
        out.write("status\n".getBytes(StandardCharsets.US_ASCII));
        String line;
        int players = 0;
        while ((line = in.readLine()) != null && !line.equals("end")) {
            players += line.startsWith("player ") ? 1 : 0;
        }
        out.write("quit\n".getBytes(StandardCharsets.US_ASCII));
        LockSupport.parkNanos(20_000_000);
        return "end".equals(line) && players == 4;
    }

    @Test
    void throughTheAgentAnUndumpableServerRestartsUnderLoadAndItsSuccessorCarriesTheAgent() throws Exception {
        ServiceProcess old = undumpableGameserver();
        int port = port(old);
        int fresh;
        try (Load load = new Load(port, 4, RestartTest::status)) {
            Await.until(Duration.ofSeconds(10), () -> load.ok.get() > 10);
            CliTest.Result r = AgentCliTest.tfixWithoutPtrace("restart", "--pid", Integer.toString(old.pid()), "--wait",
                    "--drain-timeout", "5s");
            System.out.println("RestartTest: through the agent:\n" + r.out());
            assertEquals(0, r.exit(), r.out() + r.err());
            assertTrue(r.out().contains("via agent") && r.out().contains("forked by pid " + old.pid() + "'s agent"), r.out());
            Matcher m = STARTED.matcher(r.out());
            assertTrue(m.find(), r.out());
            fresh = Integer.parseInt(m.group(1));
            pids.add((long) fresh);
            assertTrue(r.out().contains("pid " + fresh + " ready after") && r.out().contains("waits for clients"), r.out());
            assertTrue(gone(old.pid()));
            long before = load.ok.get();
            Await.until(Duration.ofSeconds(10), () -> load.ok.get() > before + 10);
            load.close();
            assertEquals(0, load.refused.get(), "refused: " + load.problems);
            assertEquals(0, load.failed.get(), "failed: " + load.problems);
            System.out.println("RestartTest: through the agent, " + load.ok.get() + " status exchanges, 0 refused, 0 failed");
        }
        assertTrue(old.await("ready pid=" + fresh + " port=" + port, Duration.ofSeconds(5)).isPresent());
        // The successor is undumpable too and was given the agent (the hook's library): patched through it.
        CliTest.Result st = AgentCliTest.tfixWithoutPtrace("status", "--pid", Integer.toString(fresh));
        assertEquals(0, st.exit(), st.out() + st.err());
        assertTrue(st.out().contains("via agent") || st.out().contains("0 patches in force"), st.out());
        CliTest.Result refused = AgentCliTest.tfixWithoutPtrace("exec", "attach " + fresh + ", via: 'ptrace'");
        assertTrue(refused.err().contains("permission denied tracing process " + fresh), refused.err());
    }

    @Test
    void throughTheAgentABrokenNewProgramIsStoppedAndTheOldServesOn() throws Exception {
        ServiceProcess old = undumpableGameserver();
        int port = port(old);
        CliTest.Result r = AgentCliTest.tfixWithoutPtrace("restart", "--pid", Integer.toString(old.pid()), "--exec",
                Targets.exe("restart_broken.c").toString());
        assertEquals(1, r.exit(), r.out() + r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.out().contains("via agent"), r.out());
        assertTrue(r.err().contains("exited") && r.err().contains("serves on as before")
                && r.err().contains("broken: cannot read /etc/game/config.toml"), r.err());
        try (Load load = new Load(port, 2, RestartTest::status)) {
            Await.until(Duration.ofSeconds(10), () -> load.ok.get() > 5);
            load.close();
            assertEquals(0, load.refused.get() + load.failed.get(), "problems: " + load.problems);
        }
        Matcher m = STARTED.matcher(r.out());
        assertTrue(m.find(), r.out());
        assertTrue(gone(Integer.parseInt(m.group(1))), "the failed program was reaped in the old one");
        assertTrue(old.alive());
    }

    @Test
    void aSocketTheNewProgramDoesNotTakeIsClosedOnceItIsReady() throws Exception {
        ServiceProcess old = start(Path.of("/usr/bin/env"), "RESTART_SPARE=1", Targets.exe("restart_server.c").toString(), "epoll");
        int port = port(old);
        Matcher sm = Pattern.compile("spare=(\\d+)").matcher(old.readyLine());
        assertTrue(sm.find() && !sm.group(1).equals("0"), old.readyLine());
        int spare = Integer.parseInt(sm.group(1));
        new Socket("127.0.0.1", spare).close(); // listening, though nobody accepts: the backlog takes it
        CliTest.Result r = CliTest.tfix("restart", "--pid", Integer.toString(old.pid()), "--drain-timeout", "2s");
        assertEquals(0, r.exit(), r.out() + r.err());
        Matcher m = STARTED.matcher(r.out());
        assertTrue(m.find(), r.out());
        int fresh = Integer.parseInt(m.group(1));
        pids.add((long) fresh);
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("closed in pid " + fresh + " the handed-over socket(s) it did not take: ")
                && l.endsWith(":" + spare + " (fd 4)")), r.out());
        assertFalse(Files.exists(Path.of("/proc", Integer.toString(fresh), "fd", "4")), "fd 4 closed in the new program");
        assertEquals("v1 " + fresh, ask(port), "the socket it took serves");
        assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", spare).close(),
                "the spare socket is gone once the old program stopped accepting and the new one closed it");
    }

    @Test
    void aSocketTheHookDidNotHandOverIsClosedToo() throws Exception {
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        ServiceProcess old = start(Path.of("/usr/bin/env"), "RESTART_SPARE=1", Targets.exe("restart_server.c").toString(),
                "epoll", Integer.toString(port), "own");
        Matcher sm = Pattern.compile("spare=(\\d+)").matcher(old.readyLine());
        assertTrue(sm.find() && !sm.group(1).equals("0"), old.readyLine());
        int spare = Integer.parseInt(sm.group(1));
        CliTest.Result r = CliTest.tfix("restart", "--pid", Integer.toString(old.pid()), "--drain-timeout", "2s");
        assertEquals(0, r.exit(), r.out() + r.err());
        Matcher m = STARTED.matcher(r.out());
        assertTrue(m.find(), r.out());
        int fresh = Integer.parseInt(m.group(1));
        pids.add((long) fresh);
        // It bound its own socket (the hook gave it the inherited one) and ignores LISTEN_FDS: fd 4 it never took.
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("closed in pid " + fresh + " the handed-over socket(s) it did not take: ")
                && l.endsWith(":" + spare + " (fd 4)")), r.out());
        assertEquals("v1 " + fresh, ask(port));
        assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", spare).close());
    }

    @Test
    void pollAndSelectServersAreReadyWhenTheyWaitOnTheInheritedSocket() throws Exception {
        for (String mode : List.of("poll", "select")) {
            ServiceProcess old = start(Targets.exe("restart_server.c"), mode);
            int port = port(old);
            assertEquals("v1 " + old.pid(), ask(port));
            CliTest.Result r;
            try (Load load = new Load(port, 4)) {
                Await.until(Duration.ofSeconds(10), () -> load.ok.get() > 5);
                r = CliTest.tfix("restart", "--pid", Integer.toString(old.pid()), "--ready-timeout", "5s", "--drain-timeout", "2s");
                long before = load.ok.get();
                Await.until(Duration.ofSeconds(10), () -> load.ok.get() > before + 5);
                load.close();
                assertEquals(0, load.refused.get(), mode + " refused: " + load.problems);
                assertEquals(0, load.failed.get(), mode + " failed: " + load.problems);
            }
            assertEquals(0, r.exit(), mode + ": " + r.out() + r.err());
            assertTrue(r.out().contains("(it waits for clients on a handed-over socket)"), r.out());
            Matcher m = STARTED.matcher(r.out());
            assertTrue(m.find(), r.out());
            int fresh = Integer.parseInt(m.group(1));
            pids.add((long) fresh);
            for (int k = 0; k < 5; k++) {
                assertEquals("v1 " + fresh, ask(port), mode);
            }
            Await.until(Duration.ofSeconds(20), () -> gone(old.pid()));
        }
    }

    @Test
    void aProgramThatSaysReadyLateIsReadyByItsWordAndNotBefore() throws Exception {
        ServiceProcess old = start(Targets.exe("restart_server.c"), "notify");
        int port = port(old);
        // It naps between non-blocking accepts, which /proc does not show as waiting for clients: only READY=1 tells.
        CliTest.Result early, r;
        try (Load load = new Load(port, 4)) {
            Await.until(Duration.ofSeconds(10), () -> load.ok.get() > 5);
            early = CliTest.tfix("restart", "--pid", Integer.toString(old.pid()), "--ready-timeout", "300ms");
            assertEquals("v1 " + old.pid(), ask(port));
            r = CliTest.tfix("restart", "--pid", Integer.toString(old.pid()), "--drain-timeout", "2s");
            long before = load.ok.get();
            Await.until(Duration.ofSeconds(10), () -> load.ok.get() > before + 5);
            load.close();
            assertEquals(0, load.refused.get(), "refused: " + load.problems);
            assertEquals(0, load.failed.get(), "failed: " + load.problems);
        }
        assertEquals(1, early.exit(), early.out() + early.err());
        assertTrue(early.err().contains("within 300 ms") && early.err().contains("serves on as before"), early.err());
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("(it sent READY=1)"), r.out());
        Matcher m = STARTED.matcher(r.out());
        assertTrue(m.find(), r.out());
        int fresh = Integer.parseInt(m.group(1));
        pids.add((long) fresh);
        assertTrue(old.await("sent READY=1 pid=" + fresh, Duration.ofSeconds(5)).isPresent(), old.output().toString());
        String env = new String(Files.readAllBytes(Path.of("/proc", Integer.toString(fresh), "environ")), StandardCharsets.UTF_8);
        assertTrue(env.contains("NOTIFY_SOCKET=@tfix-restart-"), "tfix's own notify socket: " + env);
        assertTrue(r.out().contains("every handed-over socket stays open in it"), r.out());
        assertEquals("v1 " + fresh, ask(port));
    }

    @Test
    void theNewProgramGetsTheLiveEnvironment() throws Exception {
        ServiceProcess old = start(Targets.exe("restart_server.c"), "epoll");
        int port = port(old);
        String initial = new String(Files.readAllBytes(Path.of("/proc", Integer.toString(old.pid()), "environ")), StandardCharsets.UTF_8);
        assertFalse(initial.contains("RESTART_SET_BY="), "set with setenv() after start, so not in /proc/PID/environ");
        int fresh = restart("restart", "--pid", Integer.toString(old.pid()), "--drain-timeout", "2s");
        String env = new String(Files.readAllBytes(Path.of("/proc", Integer.toString(fresh), "environ")), StandardCharsets.UTF_8);
        assertTrue(("\0" + env).contains("\0RESTART_SET_BY=" + old.pid() + "\0"), "the old one's live variable: " + env);
        assertTrue(env.contains("LISTEN_FDS=1\0") && env.contains("LISTEN_PID=" + fresh + "\0"), env);
        assertEquals("v1 " + fresh, ask(port));
    }

    @Test
    void theStandInKeepsTheOldBlockingModeWhenTheNewProgramMakesTheSocketNonBlocking() throws Exception {
        ServiceProcess old = start(Targets.exe("restart_server.c"), "threads");
        int port = port(old);
        Path epoll = Targets.exe("restart_server.c", "-DFORCE_MODE=\"epoll\"");
        try (Socket held = new Socket("127.0.0.1", port)) {
            held.setSoTimeout(10_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(held.getInputStream(), StandardCharsets.US_ASCII));
            held.getOutputStream().write("one\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("v1 " + old.pid(), in.readLine());
            int fresh = restart("restart", "--pid", Integer.toString(old.pid()), "--exec", epoll.toString(), "--drain-timeout", "60s");
            assertEquals("v1 " + fresh, ask(port));
            assertTrue((flags(fresh, 3) & 04000) != 0, "the new program made the shared socket O_NONBLOCK");
            assertEquals(0, flags(old.pid(), 3) & 04000, "the old one's stand-in blocks, as its listener did");
            // Its four accept threads sleep in accept4 on the stand-in; a non-blocking one would have them spin on EAGAIN.
            Await.until(Duration.ofSeconds(10), () -> acceptSleepers(old.pid()) == 4);
            held.getOutputStream().write("two\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("v1 " + old.pid(), in.readLine(), "the old process serves its open connection");
        }
        Await.until(Duration.ofSeconds(20), () -> gone(old.pid()));
    }

    /** A descriptor's file status flags, from /proc/PID/fdinfo (octal). */
    private static int flags(int pid, int fd) throws IOException {
        return Files.readAllLines(Path.of("/proc", Integer.toString(pid), "fdinfo", Integer.toString(fd))).stream()
                .filter(l -> l.startsWith("flags:")).mapToInt(l -> Integer.parseInt(l.substring(6).trim(), 8)).findFirst().orElseThrow();
    }

    /** Threads of the process asleep in accept4 (288) on fd 3. */
    private static long acceptSleepers(int pid) throws IOException {
        try (var tasks = Files.list(Path.of("/proc", Integer.toString(pid), "task"))) {
            return tasks.filter(t -> {
                try {
                    String stat = Files.readString(t.resolve("stat"));
                    return stat.charAt(stat.lastIndexOf(')') + 2) == 'S' && Files.readString(t.resolve("syscall")).startsWith("288 0x3 ");
                } catch (IOException e) {
                    return false;
                }
            }).count();
        }
    }

    @Test
    void badInputIsOneLine() throws Exception {
        ServiceProcess quiet = start(Targets.exe("notify_sink.c"), "@tfix-restart-test-" + ProcessHandle.current().pid());
        CliTest.Result none = CliTest.tfix("restart", "--pid", Integer.toString(quiet.pid()));
        assertEquals(1, none.exit(), none.err());
        assertTrue(none.err().startsWith("tfix: process " + quiet.pid() + " listens on no socket"), none.err());
        CliTest.Result time = CliTest.tfix("restart", "--pid", Integer.toString(quiet.pid()), "--drain-timeout", "soon");
        assertEquals(1, time.exit());
        assertTrue(time.err().contains("--drain-timeout soon: not a time"), time.err());
        CliTest.Result unknown = CliTest.tfix("restart", "--pid", Integer.toString(quiet.pid()), "--no-such-option");
        assertEquals(2, unknown.exit(), unknown.err());
    }
}
