package tfix.cli.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import tfix.engine.service.ServiceProcess;

/**
 * A one-function replace through the resident service and its C client (what the launcher runs when a service
 * listens), beside the same replace in a JVM of its own: the client's wall time, from its start to its exit.
 * The service is started here, on a socket in the benchmark's folder, and warmed by a few commands first.
 */
final class ServiceBench extends Bench {
    private static final int WARM_UP = 15;

    ServiceBench(BenchCommand bench) {
        super(bench);
    }

    @Override
    void run() throws Exception {
        Path jar = Path.of(BenchCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path client = jar.resolveSibling("tfix-client");
        if (!jar.toString().endsWith(".jar") || !Files.isExecutable(client)) {
            bench.row("warm replace via service", "n/a: run from tfix.jar with tfix-client beside it", "");
            return;
        }
        Built built = build("freeze", "-pthread");
        Path socket = tools().dir().resolve("service").resolve("service.sock");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> jvm = List.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", jar.toString());
        System.out.println("warm commands through the service (client start to exit) against a JVM per command:");
        List<Double> warmReplace = new ArrayList<>(), warmRevert = new ArrayList<>(), warmStatus = new ArrayList<>(),
                cold = new ArrayList<>();
        try (ServiceProcess service = ServiceProcess.start(Path.of(java), Duration.ofSeconds(60), "-XX:+UseSerialGC", "-jar",
                jar.toString(), "service", "--socket", socket.toString())) {
            List<String> via = new ArrayList<>(List.of(client.toString()));
            via.addAll(jvm);
            via.addAll(List.of("--", "--service"));
            try (BenchTarget t = BenchTarget.start(built.exe(), "4")) {
                String replace = "attach " + t.pid() + "; replace 'work' with 'work_v2' from '" + built.patch() + "'; detach";
                String revert = "attach " + t.pid() + "; revert 'work'; detach";
                for (int i = 0; i < WARM_UP + bench.runs(); i++) {
                    double rp = timed(via, socket, "exec", replace);
                    double rv = timed(via, socket, "exec", revert);
                    double st = timed(via, socket, "status", "--pid", Integer.toString(t.pid()));
                    if (i >= WARM_UP) {
                        warmReplace.add(rp);
                        warmRevert.add(rv);
                        warmStatus.add(st);
                    }
                }
                for (int i = 0; i < bench.runs(); i++) {
                    List<String> alone = new ArrayList<>(jvm);
                    alone.addAll(List.of("exec", replace));
                    cold.add(BenchCommand.timed(alone));
                    timed(via, socket, "exec", revert);
                }
            }
        }
        bench.row("warm replace via service (one function, C client)", Stats.ms(warmReplace), "");
        bench.row("warm revert via service", Stats.ms(warmRevert), "");
        bench.row("warm status via service", Stats.ms(warmStatus), "");
        bench.row("cold replace, a JVM of its own (same command)", Stats.ms(cold), "");
    }

    /** The client's wall time; a failed command fails the benchmark (a figure from a run that did not patch is no figure). */
    private static double timed(List<String> via, Path socket, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(via);
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true);
        pb.environment().put("TFIX_SOCKET", socket.toString());
        long t0 = System.nanoTime();
        int code = pb.start().waitFor();
        double ms = (System.nanoTime() - t0) / 1e6;
        if (code != 0) {
            throw new tfix.engine.failure.TfixException(tfix.engine.failure.Reason.IO, "`tfix " + String.join(" ", args)
                    + "` through the service failed (exit " + code + ")");
        }
        return ms;
    }
}
