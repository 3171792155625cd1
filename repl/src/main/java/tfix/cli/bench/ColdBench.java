package tfix.cli.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Issue 18 goals 3, 4 and 4b, each command a fresh JVM started as the launcher starts it (its options, its
 * class-data sharing archive, its priority as root): status, verify, revert, log and exec cold beside gdb's attach and
 * detach; status and a replace on a saturated host (64 spinning threads) with and without the raised priority; the
 * longest gap the target's 1 ms timer sees during a whole command, beside strace attached as long.
 */
final class ColdBench extends Bench {
    private String java;
    private String jar;
    private Path cds;
    private final Map<String, String> env = new HashMap<>();

    /** Only the timer gap ({@code --only gap}). */
    private final boolean gapOnly;

    ColdBench(BenchCommand bench) {
        this(bench, false);
    }

    ColdBench(BenchCommand bench, boolean gapOnly) {
        super(bench);
        this.gapOnly = gapOnly;
    }

    @Override
    void run() throws Exception {
        Path self = Path.of(BenchCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (!self.toString().endsWith(".jar")) {
            bench.row("cold commands", "n/a: run from tfix.jar", "");
            return;
        }
        java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        jar = self.toString();
        cds = tools().dir().resolve("cold.jsa");
        // Its own journal and script cache: log reads what this bench wrote, exec's cache starts empty.
        env.put("TFIX_JOURNAL", tools().dir().resolve("journal.jsonl").toString());
        env.put("TFIX_SCRIPT_CACHE", tools().dir().resolve("scripts").toString());
        ProcessBuilder training = new ProcessBuilder(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-XX:ArchiveClassesAtExit=" + cds, "-Xlog:cds=off", "-Xlog:cds+dynamic=off", "-jar", jar, "exec", "1 + 1")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        training.environment().putAll(env);
        training.start().waitFor();
        Built freeze = build("freeze", "-pthread");
        System.out.println("cold commands (fresh JVM each, launcher's options and archive):");
        if (!gapOnly) {
            idle(freeze);
            busy(freeze.patch());
        }
        gaps(freeze);
    }

    private void idle(Built b) throws Exception {
        Map<String, List<Double>> t = new HashMap<>();
        List<Double> gdb = new ArrayList<>();
        try (BenchTarget target = BenchTarget.start(b.exe(), "1")) {
            String pid = Integer.toString(target.pid());
            String replace = "attach " + pid + "; replace 'work' with 'work_v2' from '" + b.patch() + "'; detach";
            for (int r = 0; r < bench.runs(); r++) {
                for (String c : List.of("status", "verify", "log")) {
                    t.computeIfAbsent(c, k -> new ArrayList<>()).add(tfix(true, c, "--pid", pid));
                }
                deleteTree(tools().dir().resolve("scripts"));
                t.computeIfAbsent("exec", k -> new ArrayList<>()).add(tfix(true, "exec", replace));
                t.computeIfAbsent("revert", k -> new ArrayList<>()).add(tfix(true, "revert", "--pid", pid));
                t.computeIfAbsent("cached", k -> new ArrayList<>()).add(tfix(true, "exec", replace));
                tfix(true, "revert", "--pid", pid);
                if (bench.gdb()) {
                    gdb.add(BenchCommand.timed(List.of("gdb", "-nx", "-batch", "-p", pid, "-ex", "detach")));
                }
            }
        }
        String g = bench.gdb() ? "attach+detach " + Stats.ms(gdb) : "n/a";
        for (String c : List.of("status", "verify", "revert", "log")) {
            bench.row("cold `tfix " + c + "`, 1 thread", Stats.ms(t.get(c)), c.equals("log") ? "" : g);
        }
        bench.row("cold one-line `tfix exec` replace, compiling the script", Stats.ms(t.get("exec")), "");
        bench.row("cold one-line `tfix exec` replace, script from the cache", Stats.ms(t.get("cached")), "");
    }

    /** 64 threads spinning on 2 cores: the host saturated by the target itself. */
    private void busy(Path patch) throws Exception {
        Path spin = tools().gcc(tools().source("spin.c"), "spin", "-pthread");
        List<Double> raised = new ArrayList<>(), plain = new ArrayList<>(), raisedReplace = new ArrayList<>();
        try (BenchTarget target = BenchTarget.start(spin, "64")) {
            String pid = Integer.toString(target.pid());
            String replace = "attach " + pid + "; replace 'work' with 'work_v2' from '" + patch + "'; revert 'work'; detach";
            for (int r = 0; r < bench.runs(); r++) {
                raised.add(tfix(true, "status", "--pid", pid));
                raisedReplace.add(tfix(true, "exec", replace));
                plain.add(tfix(false, "status", "--no-priority", "--pid", pid));
            }
        }
        bench.row("busy host (64 spinning threads): status, raised as the launcher judges (default)", Stats.ms(raised), "");
        bench.row("busy host: exec replace+revert, raised as the launcher judges (default)", Stats.ms(raisedReplace), "");
        bench.row("busy host: status --no-priority", Stats.ms(plain), "");
    }

    /** The longest gap of the target's 1 ms timer during a whole command, and while strace is attached as long. */
    private void gaps(Built b) throws Exception {
        List<Double> tfix = new ArrayList<>(), strace = new ArrayList<>(), none = new ArrayList<>(), plain = new ArrayList<>();
        HoldTally holds = new HoldTally();
        boolean hasStrace = Toolchain.has("strace");
        try (BenchTarget target = BenchTarget.start(b.exe(), "1")) {
            String pid = Integer.toString(target.pid());
            String replace = "attach " + pid + "; replace 'work' with 'work_v2' from '" + b.patch() + "'; revert 'work'; detach";
            for (int r = 0; r < bench.runs(); r++) {
                long t0 = System.nanoTime();
                Run run = run(true, Map.of("TFIX_HOLDS", "1"), "exec", replace);
                double ms = run.millis();
                long t1 = System.nanoTime();
                tfix.add(target.gaps(t0, t1).signalMs());
                holds.addRun(run.stderr());
                long p0 = System.nanoTime();
                tfix(false, "exec", "--no-priority", replace);
                plain.add(target.gaps(p0, System.nanoTime()).signalMs());
                long quiet = System.nanoTime();
                Thread.sleep((long) ms);
                none.add(target.gaps(quiet, System.nanoTime()).signalMs());
                if (hasStrace) {
                    long s0 = System.nanoTime();
                    Process p = new ProcessBuilder("strace", "-f", "-qq", "-o", "/dev/null", "-p", pid)
                            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                    Thread.sleep((long) ms);
                    p.destroy();
                    p.waitFor(10, TimeUnit.SECONDS);
                    strace.add(target.gaps(s0, System.nanoTime()).signalMs());
                }
            }
        }
        bench.row("target's longest 1 ms-timer gap during a whole exec replace+revert", Stats.ms(tfix), "");
        holds.print("what held the target during the exec", 6);
        bench.row("  the same with --no-priority (nice 0)", Stats.ms(plain), "");
        bench.row("  the same target with strace -f attached as long", hasStrace ? Stats.ms(strace) : "n/a: no strace", "");
        bench.row("  the same target with no tool", Stats.ms(none), "");
    }

    /** A command's wall time in ms, started as the launcher starts it (raised as it judges the host when {@code raised} and root). */
    private double tfix(boolean raised, String... args) throws Exception {
        return run(raised, Map.of(), args).millis();
    }

    /** A command's wall time and what it wrote on standard error. */
    private record Run(double millis, String stderr) {
    }

    private Run run(boolean raised, Map<String, String> extraEnv, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        if (raised && "0".equals(Toolchain.run(List.of("id", "-u")).trim())) {
            int level = tfix.cli.FairNice.now(); // as the launcher judges the host
            if (level < 0) {
                cmd.addAll(List.of("nice", "-n", Integer.toString(level)));
            }
        }
        cmd.addAll(List.of(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:SharedArchiveFile=" + cds,
                "-Xlog:cds=off", "-Xlog:cds+dynamic=off", "-jar", jar));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().putAll(env);
        pb.environment().putAll(extraEnv);
        long t0 = System.nanoTime();
        Process p = pb.start();
        String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = p.waitFor();
        double ms = (System.nanoTime() - t0) / 1e6;
        if (exit != 0) {
            throw new tfix.engine.failure.TfixException(tfix.engine.failure.Reason.IO, "`tfix " + String.join(" ", args) + "` failed (exit " + exit + ")");
        }
        return new Run(ms, stderr);
    }

    private static void deleteTree(Path dir) throws Exception {
        if (Files.exists(dir)) {
            try (var s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}
