package tfix.patchgen;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/** A command tfix build runs (patch, gcc, the user's build), its output kept in a file so a long one cannot block. */
record ChildRun(int exit, String output) {
    static ChildRun run(Path cwd, Map<String, String> env, Path log, List<String> command) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
            pb.environment().putAll(env);
            Process p = pb.start();
            p.getOutputStream().close();
            int exit = p.waitFor();
            return new ChildRun(exit, Files.readString(log, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new TfixException(Reason.IO, "cannot run " + command.get(0) + ": " + e.getMessage()
                    + " (install it, or check PATH)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TfixException(Reason.CANCELLED, "interrupted while running " + String.join(" ", command));
        }
    }

    /** The last lines of the output, for a one-line refusal. */
    String tail(int lines) {
        List<String> all = output.lines().filter(l -> !l.isBlank()).toList();
        return String.join(" | ", all.subList(Math.max(0, all.size() - lines), all.size()));
    }
}
