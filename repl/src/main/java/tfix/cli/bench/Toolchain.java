package tfix.cli.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/** Builds the benchmark's targets and patches with gcc, in a temporary work folder that closing deletes. */
final class Toolchain implements AutoCloseable {
    private final Path dir;
    /** Deletes the folder when the JVM is told to stop (Ctrl-C) before the benchmarks end. */
    private final Thread onExit = new Thread(this::delete, "tfix-bench-cleanup");

    private Toolchain(Path dir) {
        this.dir = dir;
        Runtime.getRuntime().addShutdownHook(onExit);
    }

    static Toolchain inTemporaryFolder() throws IOException {
        return new Toolchain(Files.createTempDirectory("tfix-bench"));
    }

    /** Deletes the work folder and everything built in it. */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(onExit);
        } catch (IllegalStateException e) {
            return; // already shutting down: the hook deletes the folder
        }
        delete();
    }

    private void delete() {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // Nothing more to do for a temporary folder that will not go.
        }
    }

    Path dir() {
        return dir;
    }

    /** Copies a bundled source out of the jar. */
    Path source(String name) throws IOException {
        Path out = dir.resolve(name);
        try (InputStream in = Toolchain.class.getResourceAsStream("/bench/" + name)) {
            if (in == null) {
                throw new TfixException(Reason.IO, "benchmark source " + name + " is missing from tfix's jar");
            }
            Files.write(out, in.readAllBytes());
        }
        return out;
    }

    Path write(String name, String text) throws IOException {
        Path out = dir.resolve(name);
        Files.writeString(out, text);
        return out;
    }

    Path gcc(Path source, String output, String... flags) throws IOException, InterruptedException {
        Path out = dir.resolve(output);
        List<String> cmd = new ArrayList<>(List.of("gcc", "-O2", "-o", out.toString(), source.toString()));
        cmd.addAll(List.of(flags));
        run(cmd);
        return out;
    }

    static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new TfixException(Reason.IO, "`" + String.join(" ", cmd.subList(0, Math.min(cmd.size(), 6))) + " ...` failed: "
                    + out.lines().limit(5).reduce("", (a, b) -> a + " " + b));
        }
        return out;
    }

    static boolean has(String tool) {
        try {
            return new ProcessBuilder("sh", "-c", "command -v " + tool).start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
