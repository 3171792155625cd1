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
 * (made once, by a training run, in the bench's folder), at nice -19 as root, with the given environment.
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

    /** Runs a command; a failed one fails the bench (no figure from a run that did not do its work). */
    Ran run(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        if ("0".equals(Toolchain.run(List.of("id", "-u")).trim())) {
            cmd.addAll(List.of("nice", "-n", "-19"));
        }
        cmd.addAll(List.of(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:SharedArchiveFile=" + cds,
                "-Xlog:cds=off", "-Xlog:cds+dynamic=off", "-jar", jar));
        cmd.addAll(List.of(args));
        return timed(cmd, env, args);
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
