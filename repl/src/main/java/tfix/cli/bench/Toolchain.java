package tfix.cli.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/** Builds the benchmark's targets and patches with gcc, in a work folder. */
final class Toolchain {
    private final Path dir;

    Toolchain(Path dir) {
        this.dir = dir;
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
