package tfix.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the command line with a given tfix.home, as the launcher does. */
final class CliTestSupport {
    private CliTestSupport() {
    }

    static CliTest.Result tfixIn(Path home, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dtfix.home=" + home, "-cp", System.getProperty("java.class.path"), "tfix.cli.Main"));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile("tfix-out", ".txt");
        Path err = Files.createTempFile("tfix-err", ".txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("tfix did not finish: " + cmd);
        }
        return new CliTest.Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }
}
