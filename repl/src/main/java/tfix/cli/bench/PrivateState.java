package tfix.cli.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The benchmarks patch and revert thousands of times; run as they are, every write would go to the machine's own
 * journal (/var/log/tfix/journal.jsonl grew to 1.1 GB so), patch store and lock folder. They run instead in a JVM
 * of their own whose TFIX_JOURNAL, TFIX_PATCH_STORE and TFIX_LOCK_DIR name a temporary folder, deleted after: the
 * engine in that JVM and every process it starts (targets with the agent, tfix command lines, the service)
 * take them from the environment, which a running JVM cannot change for itself.
 */
final class PrivateState {
    /** Set in the benchmark's own JVM: the folder its state lives in. */
    static final String FOLDER = "TFIX_BENCH_STATE";

    private PrivateState() {
    }

    /** Whether this JVM already runs with the private state. */
    static boolean inside() {
        String v = System.getenv(FOLDER);
        return v != null && !v.isBlank();
    }

    /** Runs {@code args} (the whole command line, "bench" included) again in a JVM with the private state; its exit code. */
    static int rerun(String[] args) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("tfix-bench-state");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "tfix.cli.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
        pb.environment().put(FOLDER, dir.toString());
        pb.environment().put("TFIX_JOURNAL", dir.resolve("journal.jsonl").toString());
        pb.environment().put("TFIX_PATCH_STORE", dir.resolve("patches").toString());
        pb.environment().put("TFIX_LOCK_DIR", dir.resolve("locks").toString());
        Process p = pb.start();
        // Ctrl-C reaches both JVMs (one process group): this one waits for the benchmark's to end before deleting.
        Thread onExit = new Thread(() -> {
            try {
                p.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            delete(dir);
        }, "tfix-bench-state-cleanup");
        Runtime.getRuntime().addShutdownHook(onExit);
        int code = p.waitFor();
        try {
            Runtime.getRuntime().removeShutdownHook(onExit);
        } catch (IllegalStateException e) {
            return code; // already shutting down: the hook deletes the folder
        }
        delete(dir);
        return code;
    }

    private static void delete(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path f : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        } catch (IOException ignored) {
            // A temporary folder that will not go: nothing more to do.
        }
    }
}
