package tfix.cli.bench;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import tfix.cli.fleet.FleetOptions;
import tfix.cli.fleet.FleetRun;
import tfix.dsl.ScriptRunner;
import tfix.engine.Options;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.timing.Phases;

/**
 * A fleet: N processes of one small program patched by one `run --all` command, then reverted by one
 * `revert --all`, in this JVM (the command's own code, JSON results parsed for the counts). Total and per
 * process, next to libpulp's published figure of about 1.1 ms per process, and tfix's peak memory.
 */
final class FleetBench extends Bench {
    /** libpulp's published cost per process of a live patch (its paper's figure): the yardstick, not measured here. */
    private static final double LIBPULP_MS_PER_PROCESS = 1.1;

    FleetBench(BenchCommand bench) {
        super(bench);
    }

    @Override
    void run() throws Exception {
        Built built = build("fleet");
        int n = bench.processes();
        System.out.printf("fleet: starting %d processes of one program%s...%n", n, bench.agent() ? ", the agent preloaded" : "");
        List<BenchTarget> targets = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                // env execs the program itself, so --all still matches it by its file
                targets.add(bench.agent() ? BenchTarget.start(Path.of("/usr/bin/env"), "LD_PRELOAD=" + tfix.cli.AgentCommand.find(),
                        built.exe().toString()) : BenchTarget.start(built.exe()));
            }
            String script = "attach pid; replace 'work' with 'work_v2' from '" + built.patch() + "'; detach";
            String loadBefore = loadAverage();
            Phases.enable(true);
            JsonNode patched = command("exec", built.exe(), () -> ScriptRunner.compile(script, "exec"));
            Map<String, Phases.Total> patchPhases = Phases.totals();
            for (BenchTarget t : targets) {
                t.await("work=1005", Duration.ofSeconds(10));
            }
            Phases.enable(true);
            JsonNode reverted = command("revert", built.exe(), () -> ScriptRunner.compile("attach pid; revert(); detach", "revert"));
            Map<String, Phases.Total> revertPhases = Phases.totals();
            Phases.enable(false);
            report("patched", patched, n);
            breakdown("patch", patchPhases, n);
            report("reverted", reverted, n);
            breakdown("revert", revertPhases, n);
            bench.row("fleet: load average (1 min) before / after", loadBefore + " / " + loadAverage(), "");
            bench.row("fleet: peak memory of tfix (JVM included, after both)", PeakMemory.describe(), "");
        } finally {
            targets.forEach(BenchTarget::close);
        }
    }

    /** One command over every process of the program; its summary object. */
    private JsonNode command(String name, Path exe, java.util.function.Supplier<ScriptRunner.Compiled> script) throws Exception {
        ByteArrayOutputStream json = new ByteArrayOutputStream();
        PrintStream discard = new PrintStream(OutputStream.nullOutputStream());
        int code = FleetRun.execute(new FleetRun.Request(name, null, Options.defaults(), false, false, Path.of("").toAbsolutePath(),
                Map.of(), script), new FleetOptions(exe, bench.parallel(), true).via(bench.agent() ? "agent-first" : null), new PrintStream(json, true, StandardCharsets.UTF_8),
                discard);
        List<String> lines = json.toString(StandardCharsets.UTF_8).lines().toList();
        if (code != 0 || lines.isEmpty()) {
            throw new TfixException(Reason.TARGET_REFUSED, "the fleet benchmark's " + name + " ended with exit code " + code
                    + ": " + (lines.isEmpty() ? "no output" : lines.get(lines.size() - 1)));
        }
        return new ObjectMapper().readTree(lines.get(lines.size() - 1));
    }

    /**
     * Where one process's time went, summed over every process and divided by their number (phases nest: an indented
     * one is part of the one above it; with --parallel N the sums exceed the wall time).
     */
    private void breakdown(String command, Map<String, Phases.Total> phases, int n) {
        phases.entrySet().stream().sorted(Map.Entry.comparingByValue(
                java.util.Comparator.comparingLong(Phases.Total::nanos).reversed())).forEach(e ->
                bench.row(String.format("fleet %s, per process: %s", command, e.getKey()),
                        String.format("%.2f ms (%.1f times)", e.getValue().millis() / n, (double) e.getValue().count() / n), ""));
    }

    private static String loadAverage() {
        try {
            return java.nio.file.Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (java.io.IOException e) {
            return "?";
        }
    }

    private void report(String what, JsonNode summary, int n) {
        double ms = summary.get("millis").asDouble();
        int done = summary.get(what).asInt();
        bench.row(String.format("fleet: %d of %d processes %s by one command (--parallel %d, %s)", done, n, what, bench.parallel(),
                        summary.get("routes")),
                String.format("%.2f s total, %.2f ms per process", ms / 1000, ms / n),
                String.format("libpulp (published): %.1f ms per process", LIBPULP_MS_PER_PROCESS));
    }
}
