package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tfix.engine.patch.ReplaceSpec;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/**
 * Issue 9's proof on a real program nobody here wrote: Debian's redis-server 7.0.15, its PING command
 * replaced under a redis-benchmark load by a patch that calls the original (original:) and Redis's own
 * addReplyStatus (a weak reference tfix resolves), with every request answered and counted.
 */
class RedisTest extends EngineTest {
    private static final Path SERVER = Path.of("/usr/bin/redis-server");
    private static final Path BENCHMARK = Path.of("/usr/bin/redis-benchmark");
    private static final Path CLI = Path.of("/usr/bin/redis-cli");
    private static final Pattern SERVED = Pattern.compile("patched: (\\d+) pings served");

    @Test
    void pingReplacedUnderLoadCallsTheOriginalAndRedisReplies(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(SERVER) && Files.isExecutable(BENCHMARK) && Files.isExecutable(CLI),
                "redis-server and redis-tools are installed by test.sh");
        Path socket = dir.resolve("redis.sock");
        Path patch = Targets.patch("redis_ping_patch.c");
        // The shell says the pid the test harness waits for, then becomes redis-server (exec keeps the pid).
        try (RunningTarget redis = RunningTarget.startPast("ready to accept connections", Path.of("/bin/sh"), "-c",
                "echo ready pid=$$; exec \"$0\" \"$@\"", SERVER.toString(), "--port", "0",
                "--unixsocket", socket.toString(), "--save", "", "--appendonly", "no", "--dir", dir.toString(),
                "--logfile", "", "--daemonize", "no")) {
            assertEquals("PONG", cli(socket, "PING"));
            Process load = benchmark(socket, 400_000, "ping_inline,ping_mbulk", dir.resolve("load.txt"));
            try (TfixSession s = TfixSession.attach(redis.pid(), engine, Options.defaults())) {
                Results.Replaced r = s.replace(new ReplaceSpec("pingCommand", null, "pingCommand_v2", patch, null)
                        .withOriginal("pingCommand_orig"));
                assertTrue(r.toString().contains("pingCommand"), r.toString());
                assertTrue(s.verify().stream().allMatch(Results.Verified::ok));
            }
            assertEquals(0, load.waitFor(), Files.readString(dir.resolve("load.txt")));
            String report = Files.readString(dir.resolve("load.txt"));
            assertTrue(report.contains("PING_INLINE") && report.contains("PING_MBULK"), report);
            assertFalse(report.toLowerCase().contains("error"), report);

            long first = served(cli(socket, "PING", "tfix"));
            assertTrue(first > 1, "the patch served pings of the load: " + first);
            assertEquals("PONG", cli(socket, "PING"));
            assertEquals("hello", cli(socket, "PING", "hello")); // the original's path, through its relocated copy
            Process exact = benchmark(socket, 100_000, "ping_mbulk", dir.resolve("exact.txt"));
            assertEquals(0, exact.waitFor(), Files.readString(dir.resolve("exact.txt")));
            long second = served(cli(socket, "PING", "tfix"));
            // Every request of the second load reached the new function and was answered: none failed or was lost.
            assertEquals(first + 2 + 1 + 100_000, second);
            System.out.printf("redis-server %d: patched under load (%s); the patch served %d pings of it;"
                    + " then %d more, all 100000 requests of a second load among them%n", redis.pid(),
                    String.join("; ", report.lines().flatMap(l -> java.util.Arrays.stream(l.split("\r")))
                            .filter(l -> l.contains("requests per second")).map(String::strip).toList()), first, second - first);

            try (TfixSession s = TfixSession.attach(redis.pid(), engine, Options.defaults())) {
                s.revert("pingCommand");
            }
            assertEquals("tfix", cli(socket, "PING", "tfix"));
            assertFalse(redis.traced());
        }
    }

    private static long served(String reply) {
        Matcher m = SERVED.matcher(reply);
        assertTrue(m.find(), reply);
        return Long.parseLong(m.group(1));
    }

    private static Process benchmark(Path socket, int requests, String tests, Path out) throws IOException {
        return new ProcessBuilder(BENCHMARK.toString(), "-s", socket.toString(), "-n", Integer.toString(requests), "-c", "20",
                "-t", tests, "-q").redirectErrorStream(true).redirectOutput(out.toFile()).start();
    }

    private static String cli(Path socket, String... command) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of(CLI.toString(), "-s", socket.toString()));
        args.addAll(List.of(command));
        Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "redis-cli answered");
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    }
}
