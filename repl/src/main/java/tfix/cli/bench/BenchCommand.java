package tfix.cli.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tfix.engine.Engine;
import tfix.engine.Options;
import tfix.engine.Results;
import tfix.engine.TfixSession;
import tfix.engine.failure.TfixException;
import tfix.engine.patch.ReplaceSpec;

/**
 * `tfix bench`: tfix measured against what a user would otherwise do, gdb by hand
 * (attach, call dlopen, write the jump), on the same targets. Prints a table of medians.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks: freeze time, command time, call cost, a 1000-function transaction,"
        + " symbol look-up, a fleet of processes patched by one command; tfix against gdb by hand. Prints medians.")
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--runs", description = "Runs per measurement (default ${DEFAULT-VALUE}).", defaultValue = "5")
    int runs;

    @Option(names = "--threads", description = "Thread counts for the freeze benchmark (default ${DEFAULT-VALUE}).",
            defaultValue = "1,64,256", split = ",")
    List<Integer> threads;

    @Option(names = "--no-gdb", description = "Leave gdb out.")
    boolean noGdb;

    @Option(names = "--only", description = "Run only these parts: freeze, command, service, cold, gap (cold's timer gap alone), call, transaction, symbols, fleet, build, agent, redis.", split = ",")
    List<String> only;

    @Option(names = "--processes", description = "Processes of the fleet benchmark (default ${DEFAULT-VALUE}).", defaultValue = "200")
    int processes;

    @Option(names = "--parallel", description = "Processes the fleet benchmark works on at once (default ${DEFAULT-VALUE}).",
            defaultValue = "2")
    int parallel;

    @Option(names = "--agent", description = "Fleet benchmark: every process started with libtfix-agent.so preloaded (the"
            + " fleet then reaches each through its agent, no ptrace).")
    boolean agent;

    /** The parts, by the names --only takes, in the order they run. */
    private static final Map<String, Function<BenchCommand, Bench>> PARTS = new LinkedHashMap<>();

    static {
        PARTS.put("freeze", FreezeBench::new);
        PARTS.put("command", CommandBench::new);
        PARTS.put("service", ServiceBench::new);
        PARTS.put("cold", ColdBench::new);
        PARTS.put("gap", b -> new ColdBench(b, true));
        PARTS.put("call", CallCostBench::new);
        PARTS.put("transaction", TransactionBench::new);
        PARTS.put("symbols", SymbolBench::new);
        PARTS.put("fleet", FleetBench::new);
        PARTS.put("build", BuildBench::new);
        PARTS.put("agent", AgentIdleBench::new);
        PARTS.put("redis", RedisBench::new);
    }

    private final List<String[]> rows = new ArrayList<>();
    private Engine engine;
    private Toolchain tools;
    private boolean gdb;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!PrivateState.inside()) { // never the machine's journal, patch store or locks
            return PrivateState.rerun(spec.root().commandLine().getParseResult().originalArgs().toArray(String[]::new));
        }
        try (Toolchain built = Toolchain.inTemporaryFolder()) {
            tools = built;
            engine = Engine.create();
            gdb = !noGdb && Toolchain.has("gdb");
            System.out.printf("tfix bench: %d runs each, medians (min-max); machine: %s, %d cores; gdb: %s%n", runs,
                    machine(), Runtime.getRuntime().availableProcessors(), gdb ? "yes" : "not used");
            for (Map.Entry<String, Function<BenchCommand, Bench>> p : PARTS.entrySet()) {
                if (only == null || only.contains(p.getKey())) {
                    p.getValue().apply(this).run();
                }
            }
            row("peak memory of tfix (the whole run, JVM included)", PeakMemory.describe(), "");
            printTable();
            return 0;
        } catch (TfixException e) {
            System.err.println("tfix: " + e.getMessage());
            return 1;
        }
    }

    Engine engine() {
        return engine;
    }

    Toolchain tools() {
        return tools;
    }

    int runs() {
        return runs;
    }

    int processes() {
        return processes;
    }

    int parallel() {
        return parallel;
    }

    boolean agent() {
        return agent;
    }

    List<Integer> threadCounts() {
        return threads;
    }

    boolean gdb() {
        return gdb;
    }

    /** One row of the table: what, tfix's figure, gdb's figure. */
    void row(String what, String tfix, String gdbFigure) {
        rows.add(new String[] {what, tfix, gdbFigure});
        System.out.printf("  %-58s %-30s %s%n", what, tfix, gdbFigure);
    }

    private void printTable() {
        System.out.println();
        System.out.printf("| %-58s | %-30s | %-30s |%n", "measurement", "tfix", "gdb by hand");
        System.out.printf("|%s|%s|%s|%n", "-".repeat(60), "-".repeat(32), "-".repeat(32));
        for (String[] r : rows) {
            System.out.printf("| %-58s | %-30s | %-30s |%n", r[0], r[1], r[2]);
        }
    }

    private static String machine() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("?");
        } catch (Exception e) {
            return "?";
        }
    }

    /** gdb by hand, in one batch: attach (stopping everything), dlopen, write the 14-byte jump, detach. */
    static List<String> gdbReplace(int pid, String oldName, String newName, Path patch) {
        return List.of("gdb", "-nx", "-batch", "-p", Integer.toString(pid),
                "-ex", "set $h = ((void*(*)(const char*, int))dlopen)(\"" + patch + "\", 2)",
                "-ex", "set $old = (unsigned long)&" + oldName,
                "-ex", "set $new = (unsigned long)&" + newName,
                "-ex", "set *(unsigned short*)$old = 0x25ff",
                "-ex", "set *(unsigned int*)($old+2) = 0",
                "-ex", "set *(unsigned long*)($old+6) = $new",
                "-ex", "detach");
    }

    /** Runs a command; returns its wall time in ms. */
    static double timed(List<String> cmd) throws Exception {
        long t0 = System.nanoTime();
        Toolchain.run(cmd);
        return (System.nanoTime() - t0) / 1e6;
    }

    static Results.Replaced tfixReplace(Engine engine, int pid, String old, String fresh, Path patch) {
        try (TfixSession s = TfixSession.attach(pid, engine, Options.defaults())) {
            return s.replace(ReplaceSpec.of(old, fresh, patch));
        }
    }
}
