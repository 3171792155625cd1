package tfix.cli.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/**
 * tfix commands run the way the launcher runs them: a fresh JVM with its options and class-data sharing archive
 * (made once, by a training run, in the bench's folder), at the launcher's priority as root, with the given environment.
 */
final class FreshCli {
    private final String java;
    private final String jar;
    private final Path cds;
    private final Map<String, String> env;

    private FreshCli(String java, String jar, Path cds, Map<String, String> env) {
        this.java = java;
        this.jar = jar;
        this.cds = cds;
        this.env = env;
    }

    /** Null when tfix does not run from its jar (there is then no launcher's command to time). */
    static FreshCli of(Path dir, Map<String, String> env) throws Exception {
        Path self = Path.of(BenchCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (!self.toString().endsWith(".jar")) {
            return null;
        }
        FreshCli cli = new FreshCli(Path.of(System.getProperty("java.home"), "bin", "java").toString(), self.toString(),
                dir.resolve("fresh.jsa"), Map.copyOf(env));
        ProcessBuilder training = new ProcessBuilder(cli.java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-XX:ArchiveClassesAtExit=" + cli.cds, "-Xlog:cds=off", "-Xlog:cds+dynamic=off", "-jar", cli.jar, "exec", "1 + 1")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        training.environment().putAll(env);
        training.start().waitFor();
        return cli;
    }

    String java() {
        return java;
    }

    String jar() {
        return jar;
    }

    Map<String, String> env() {
        return env;
    }

    /** A command's wall time and what it printed. */
    record Ran(double ms, String output) {
    }

    /**
     * How the JVM is scheduled: as the launcher does (raised as root when the host is saturated, FairNice), at
     * the priority it was started with
     * ({@code TFIX_NO_PRIORITY=1}), or as the launcher does but kept off the CPUs the target's threads last ran on.
     */
    enum Scheduling { RAISED, PLAIN, RAISED_ELSEWHERE }

    /** Runs a command as the launcher does. */
    Ran run(String... args) throws Exception {
        return run(Scheduling.RAISED, 0, args);
    }

    /** Runs a command; a failed one fails the bench (no figure from a run that did not do its work). */
    Ran run(Scheduling how, long target, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        Map<String, String> e = new java.util.HashMap<>(env);
        if (how == Scheduling.RAISED_ELSEWHERE) {
            String cpus = TargetCpus.others(target);
            if (cpus != null) {
                cmd.addAll(List.of("taskset", "-c", cpus));
            }
        }
        if (how != Scheduling.PLAIN && "0".equals(Toolchain.run(List.of("id", "-u")).trim())) {
            int level = tfix.cli.FairNice.now(); // as the launcher judges the host
            if (level < 0) {
                cmd.addAll(List.of("nice", "-n", Integer.toString(level)));
            }
        }
        if (how == Scheduling.PLAIN) {
            e.put("TFIX_NO_PRIORITY", "1");
        }
        cmd.addAll(List.of(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:SharedArchiveFile=" + cds,
                "-Xlog:cds=off", "-Xlog:cds+dynamic=off", "-jar", jar));
        cmd.addAll(List.of(args));
        return timed(cmd, e, args);
    }

    static Ran timed(List<String> cmd, Map<String, String> env, String... args) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        long t0 = System.nanoTime();
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = p.waitFor();
        double ms = (System.nanoTime() - t0) / 1e6;
        if (exit != 0) {
            throw new TfixException(Reason.IO, "`tfix " + String.join(" ", args) + "` failed (exit " + exit + "): "
                    + out.lines().limit(3).reduce("", (a, b) -> a + " " + b).strip());
        }
        return new Ran(ms, out);
    }
}
