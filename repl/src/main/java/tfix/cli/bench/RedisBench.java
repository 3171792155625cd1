package tfix.cli.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.service.ServiceProcess;

/**
 * Issue 18 goal 5, what clients feel: a real Debian redis-server under redis-benchmark load (4 clients: PING, SET,
 * GET), and a probe client sending PING every 2 ms ({@link RedisProbe}). Its reply times with no tfix (before and
 * after the rest), while `tfix status` runs again and again, and while a patch of pingCommand is applied and
 * reverted again and again; each command a fresh JVM as the launcher starts it (nice -19 as root), at the priority
 * it was started with, and at nice -19 kept off the CPU Redis's main thread last ran on; then the same through the
 * resident service when its client is built. Prints p50/p99/max per phase and the p99's ratio to the baseline's beside the
 * goal (1.5x), with the load average at the phase's end.
 */
final class RedisBench extends Bench {
    private static final double GOAL = 1.5;
    private static final long QUIET_NS = 10_000_000_000L;
    private final Map<String, RedisProbe.Latencies> phases = new LinkedHashMap<>();
    private final Map<String, String> loads = new HashMap<>();

    RedisBench(BenchCommand bench) {
        super(bench);
    }

    @Override
    void run() throws Exception {
        if (!RedisServer.installed()) {
            bench.row("redis probe", "n/a: redis-server or redis-benchmark missing (apt-get install -y redis-server redis-tools)", "");
            return;
        }
        Path dir = Files.createDirectories(tools().dir().resolve("redis"));
        Map<String, String> env = Map.of("TFIX_JOURNAL", tools().dir().resolve("journal.jsonl").toString(),
                "TFIX_SCRIPT_CACHE", tools().dir().resolve("scripts").toString(),
                "TFIX_ELF_CACHE", tools().dir().resolve("elf").toString());
        FreshCli cli = FreshCli.of(tools().dir(), env);
        if (cli == null) {
            bench.row("redis probe", "n/a: run from tfix.jar", "");
            return;
        }
        Path patch = tools().gcc(tools().source("redis_ping_patch.c"), "libredis_ping_patch.so", "-shared", "-fPIC");
        int cycles = bench.runs();
        System.out.println("redis: a probe's PING every 2 ms under redis-benchmark load, with and without tfix:");
        try (RedisServer redis = RedisServer.start(dir)) {
            redis.load(4);
            try (RedisProbe probe = RedisProbe.start(redis.port())) {
                awaitReplies(probe, 250);
                String pid = Long.toString(redis.pid());
                String replace = "attach " + pid + "; replace 'pingCommand' with 'pingCommand_v2' from '" + patch
                        + "', original: 'pingCommand_orig'; detach";
                quiet(probe, "baseline (no tfix), before");
                for (FreshCli.Scheduling how : FreshCli.Scheduling.values()) {
                    String jvm = switch (how) {
                        case RAISED -> "fresh JVM each, priority as the launcher judges";
                        case PLAIN -> "fresh JVM each, TFIX_NO_PRIORITY=1";
                        case RAISED_ELSEWHERE -> "fresh JVM each, launcher's priority, taskset off redis's CPU";
                    };
                    during(probe, "`tfix status` cycles (" + jvm + ")", () -> {
                        for (int i = 0; i < cycles; i++) {
                            cli.run(how, redis.pid(), "status", "--pid", pid);
                        }
                    });
                    during(probe, "apply/revert cycles (" + jvm + ")", () -> {
                        for (int i = 0; i < cycles; i++) {
                            applied(cli.run(how, redis.pid(), "exec", replace).output());
                            cli.run(how, redis.pid(), "revert", "--pid", pid);
                        }
                    });
                }
                throughService(cli, probe, pid, replace, cycles);
                quiet(probe, "baseline (no tfix), after");
                if (!redis.loaded()) {
                    throw new TfixException(Reason.IO, "redis-benchmark stopped during the bench: its figures would be of an idle server");
                }
            }
        }
        report();
    }

    /** The same cycles through a resident service and its C client, when the client is built beside the jar. */
    private void throughService(FreshCli cli, RedisProbe probe, String pid, String replace, int cycles) throws Exception {
        Path client = Path.of(cli.jar()).resolveSibling("tfix-client");
        if (!Files.isExecutable(client)) {
            return;
        }
        Path socket = tools().dir().resolve("service").resolve("service.sock");
        List<String> args = new ArrayList<>();
        cli.env().forEach((k, v) -> args.add(k + "=" + v)); // the client sends its TFIX_* variables: the service must match
        args.add("TFIX_SOCKET=" + socket);
        args.addAll(List.of(cli.java(), "-XX:+UseSerialGC", "-jar", cli.jar(), "service", "--socket", socket.toString()));
        Map<String, String> env = new HashMap<>(cli.env());
        env.put("TFIX_SOCKET", socket.toString());
        List<String> via = List.of(client.toString(), cli.java(), "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", cli.jar(),
                "--", "--service");
        try (ServiceProcess service = ServiceProcess.start(Path.of("/usr/bin/env"), Duration.ofSeconds(60), args.toArray(String[]::new))) {
            for (int i = 0; i < 3; i++) { // warm: the service's JIT and caches, as a service that has run for a while
                applied(served(via, env, "exec", replace).output());
                served(via, env, "revert", "--pid", pid);
            }
            during(probe, "`tfix status` cycles through the service", () -> {
                for (int i = 0; i < cycles; i++) {
                    served(via, env, "status", "--pid", pid);
                }
            });
            during(probe, "apply/revert cycles through the service", () -> {
                for (int i = 0; i < cycles; i++) {
                    applied(served(via, env, "exec", replace).output());
                    served(via, env, "revert", "--pid", pid);
                }
            });
        }
    }

    private static FreshCli.Ran served(List<String> via, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(via);
        cmd.addAll(List.of(args));
        return FreshCli.timed(cmd, env, args);
    }

    private static void applied(String output) {
        if (!output.contains("pingCommand")) {
            throw new TfixException(Reason.IO, "the replace did not say it replaced pingCommand: " + output.strip());
        }
    }

    private interface Work {
        void run() throws Exception;
    }

    private void during(RedisProbe probe, String name, Work work) throws Exception {
        long t0 = System.nanoTime();
        work.run();
        record(probe, name, t0, System.nanoTime());
    }

    private void quiet(RedisProbe probe, String name) {
        long t0 = System.nanoTime();
        LockSupport.parkNanos(QUIET_NS); // a window of time is what is measured here
        record(probe, name, t0, System.nanoTime());
    }

    private void record(RedisProbe probe, String name, long t0, long t1) {
        RedisProbe.Latencies l = probe.between(t0, t1);
        phases.put(name, l);
        loads.put(name, loadAverage());
        System.out.printf("  %-55s %s, load %s%n", name, l.describe(), loads.get(name));
    }

    private static void awaitReplies(RedisProbe probe, int n) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (probe.replies() < n) {
            if (probe.failure() != null || System.nanoTime() > deadline) {
                throw new TfixException(Reason.IO, "the redis probe got no replies: " + probe.failure());
            }
            LockSupport.parkNanos(RedisProbe.PERIOD_NS);
        }
    }

    private void report() {
        List<RedisProbe.Latencies> quiet = new ArrayList<>();
        phases.forEach((k, v) -> {
            if (k.startsWith("baseline")) {
                quiet.add(v);
            }
        });
        double base = RedisProbe.Latencies.of(quiet).ms(0.99);
        phases.forEach((name, l) -> bench.row("redis probe: " + name + ", load " + loads.get(name), l.describe(),
                name.startsWith("baseline") ? "" : String.format("p99 %.2fx the baselines' (%.2f ms); goal %.1fx: %s",
                        l.ms(0.99) / base, base, GOAL, l.ms(0.99) / base <= GOAL ? "met" : "not met")));
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (java.io.IOException e) {
            return "?";
        }
    }
}
