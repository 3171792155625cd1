package tfix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/**
 * The tfix command line against real targets: in this JVM ({@link InProcessCli}) unless a test is about the JVM
 * around it, then as a separate process ({@link #tfixJvm}, {@link #tfixWith}).
 */
class CliTest {
    record Result(int exit, String out, String err) {
    }

    /** Runs the command line; {@code home} is tfix.home (where samples/ is), as the launcher sets it. */
    static Result tfixIn(Path home, String... args) throws IOException, InterruptedException {
        return InProcessCli.needsOwnJvm(args) ? tfixWith(java.util.Map.of(), home, args) : InProcessCli.run(home, args);
    }

    /** The command line in a JVM of its own, as the launcher runs it. */
    static Result tfixJvm(String... args) throws IOException, InterruptedException {
        return tfixWith(java.util.Map.of(), Path.of("..").toAbsolutePath().normalize(), args);
    }

    /** In a JVM of its own, with extra environment variables (TFIX_JOURNAL...). */
    static Result tfixWith(java.util.Map<String, String> env, Path home, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-Dtfix.home=" + home, "-cp", System.getProperty("java.class.path"), "tfix.cli.Main"));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile("tfix-out", ".txt");
        Path err = Files.createTempFile("tfix-err", ".txt");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().put("TFIX_SCRIPT_CACHE", "off"); // no compiled scripts left in the user's cache
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("tfix did not finish: " + cmd);
            }
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    static Result tfix(String... args) throws IOException, InterruptedException {
        return tfixIn(Path.of("..").toAbsolutePath().normalize(), args);
    }

    /** Issue 15: an Error (not an Exception) is one line naming it and the remedy, exit 1, the target let go. */
    @Test
    void anErrorIsOneLineWithItsRemedyAndTheTargetIsLetGo() throws Exception {
        Path exe = Targets.exe("scorer.c");
        try (RunningTarget t = RunningTarget.start(exe)) {
            t.awaitLine("compute=40 static=16");
            String deep = "attach " + t.pid() + "\ndef down(n) { down(n + 1) }\ndown(0)\n";
            Result r = tfixJvm("exec", deep); // an Error in the command line's own JVM, as users meet it
            assertEquals(1, r.exit(), r.err());
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(r.err().startsWith("tfix: StackOverflowError: the script recursed too deeply")
                    && r.err().contains("-Xss"), r.err());
            assertFalse(t.traced(), "the session's close must run when an Error ends the script");

            Result debug = tfix("exec", "--debug", deep);
            assertEquals(1, debug.exit());
            assertTrue(debug.err().contains("java.lang.StackOverflowError") && debug.err().contains("\tat "), debug.err());

            Result oom = tfixWith(java.util.Map.of("JAVA_TOOL_OPTIONS", "-Xmx64m"), Path.of("..").toAbsolutePath().normalize(),
                    "exec", "attach " + t.pid() + "; def hoard = []; while (true) { hoard << new long[1 << 22] }");
            assertEquals(1, oom.exit(), oom.err());
            List<String> lines = oom.err().lines().filter(l -> !l.startsWith("Picked up JAVA_TOOL_OPTIONS")).toList();
            assertEquals(1, lines.size(), oom.err());
            assertTrue(lines.get(0).startsWith("tfix: OutOfMemoryError: tfix ran out of memory") && lines.get(0).contains("-Xmx"),
                    lines.get(0));
            assertFalse(t.traced());
            assertTrue(t.alive());
        }
    }

    @Test
    void replaceInOneProcessRevertFromAnother() throws Exception {
        Path exe = Targets.exe("scorer.c", "-pie", "-fPIE");
        Path patch = Targets.patch("scorer_patch.c");
        try (RunningTarget t = RunningTarget.start(exe)) {
            t.awaitLine("compute=40 static=16");
            // Replaced by a JVM of its own; status, verify and revert below run in this one: another process.
            Result r = tfixJvm("exec", "attach " + t.pid() + "; replace 'compute' with 'compute_v2' from '" + patch
                    + "'; verify; detach");
            assertEquals(0, r.exit(), r.err());
            assertTrue(r.out().contains("replaced compute with compute_v2"), r.out());
            assertTrue(r.out().matches("(?s).*target stopped \\d+\\.\\d+ ms.*"), "reports the freeze time: " + r.out());
            t.awaitLine("compute=1005");

            Result st = tfix("status", "--pid", Integer.toString(t.pid()));
            assertEquals(0, st.exit(), st.err());
            assertTrue(st.out().contains("1 patch in force"), st.out());
            assertTrue(st.out().contains("compute -> compute_v2 (" + patch.getFileName() + ")"), st.out());

            Result again = tfix("exec", "attach pid; replace 'compute' with 'compute_v2' from '" + patch + "'",
                    "--pid", Integer.toString(t.pid()));
            assertEquals(0, again.exit(), again.err());
            assertTrue(again.out().contains("already replaced"), again.out());

            Result vf = tfix("verify", "--pid", Integer.toString(t.pid()));
            assertEquals(0, vf.exit(), vf.err());
            assertTrue(vf.out().contains("jump in place"), vf.out());

            Result rv = tfix("revert", "--pid", Integer.toString(t.pid()), "compute");
            assertEquals(0, rv.exit(), rv.err());
            assertTrue(rv.out().contains("reverted compute") && rv.out().contains("0 patches in force"), rv.out());
            t.awaitLine("compute=40");
            Result none = tfix("revert", "--pid", Integer.toString(t.pid()), "compute");
            assertEquals(1, none.exit());
            assertTrue(none.err().contains("'compute' is not replaced"), none.err());
            assertFalse(t.traced());
        }
    }

    @Test
    void runResolvesPathsAgainstTheScriptFolder(@TempDir Path dir) throws Exception {
        Path exe = Targets.exe("scorer.c");
        Path patch = Targets.patch("scorer_patch.c");
        Files.copy(patch, dir.resolve("patch.so"));
        Path script = dir.resolve("fix.tfix.groovy");
        Files.writeString(script, "// fix compute\nattach pid\nreplace 'compute' with 'compute_v2' from 'patch.so'\nverify\nstatus\ndetach\n");
        try (RunningTarget t = RunningTarget.start(exe)) {
            t.awaitLine("compute=40");
            Result r = tfix("run", script.toString(), "--pid", Integer.toString(t.pid()));
            assertEquals(0, r.exit(), r.err());
            t.awaitLine("compute=1005");
            assertTrue(r.out().contains("1 patch in force"), r.out());
            Result rv = tfix("exec", "attach " + t.pid() + "; revert(); detach");
            assertEquals(0, rv.exit(), rv.err());
            t.awaitLine("compute=40");
        }
    }

    @Test
    void errorsAreOneLineWithANonZeroExit() throws Exception {
        Path exe = Targets.exe("scorer.c");
        Path patch = Targets.patch("scorer_patch.c");
        try (RunningTarget t = RunningTarget.start(exe)) {
            t.awaitLine("compute=40");
            Result typo = tfix("exec", "attach " + t.pid() + "\nreplase 'compute' with 'compute_v2' from '" + patch + "'");
            assertEquals(1, typo.exit());
            assertEquals("tfix: exec:2: unknown verb 'replase': did you mean 'replace'? (replace 'old' with 'new' from 'patch.so')",
                    typo.err().trim());

            Result missing = tfix("exec", "attach " + t.pid() + "; replace 'nosuch' with 'compute_v2' from '" + patch + "'");
            assertEquals(1, missing.exit());
            assertEquals(1, missing.err().trim().lines().count(), missing.err());
            assertTrue(missing.err().contains("function 'nosuch' not found"), missing.err());

            Result debug = tfix("exec", "--debug", "attach " + t.pid() + "; replace 'nosuch' with 'x' from '" + patch + "'");
            assertEquals(1, debug.exit());
            assertTrue(debug.err().contains("\tat tfix."), "--debug prints the stack trace: " + debug.err());

            Result unfinished = tfix("exec", "attach " + t.pid() + "; replace 'compute' with 'compute_v2'");
            assertEquals(1, unfinished.exit(), "a replace without from must not pass silently");
            assertTrue(unfinished.err().contains("is incomplete"), unfinished.err());

            Result program = tfix("exec", "attach " + t.pid() + "; replace 'compute' with 'main' from '" + exe + "'");
            assertEquals(1, program.exit());
            assertTrue(program.err().contains("is a program, not a shared library"), program.err());

            Result half = tfix("exec", "attach " + t.pid() + "; replace 'compute' with 'compute_v2' from '" + patch
                    + "'\nreplace 'nosuch' with 'x' from '" + patch + "'");
            assertEquals(1, half.exit());
            assertTrue(half.err().contains("still replaced by this run: compute; revert() undoes them"), half.err());
            assertEquals(0, tfix("revert", "--pid", Integer.toString(t.pid())).exit());

            Result noPid = tfix("exec", "attach pid");
            assertEquals(1, noPid.exit());
            assertTrue(noPid.err().contains("no pid given"), noPid.err());

            Result usage = tfix("frobnicate");
            assertEquals(2, usage.exit());

            Result gone = tfix("status", "--pid", "999999");
            assertEquals(1, gone.exit());
            assertTrue(gone.err().contains("no process with pid 999999"), gone.err());

            t.awaitLine("compute=40|static", java.time.Duration.ofMillis(1));
        } catch (AssertionError e) {
            if (!String.valueOf(e.getMessage()).startsWith("no matching line")) {
                throw e;
            }
            // No new output: compute still returns 40, the target is unchanged.
        }
    }

    @Test
    void permissionDeniedSaysWhatAllowsIt(@TempDir Path cp) throws Exception {
        Path exe = Targets.exe("sleeper.c");
        // An unprivileged copy of the class path, readable by `nobody`.
        List<String> entries = new ArrayList<>();
        int i = 0;
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path src = Path.of(e);
            Path dst = cp.resolve((i++) + "-" + src.getFileName());
            if (Files.isDirectory(src)) {
                copyTree(src, dst);
            } else if (Files.exists(src)) {
                Files.copy(src, dst);
            }
            entries.add(dst.toString());
        }
        new ProcessBuilder("chmod", "-R", "a+rX", cp.toString()).start().waitFor();
        cp.toFile().setReadable(true, false);
        // A home and temporary folder `nobody` may write in (native stubs are unpacked there), deleted with the rest.
        Path home = Files.createDirectory(cp.resolve("home"));
        Files.setPosixFilePermissions(home, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        try (RunningTarget t = RunningTarget.start(exe)) {
            List<String> cmd = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Duser.home=" + home,
                    "-Djava.io.tmpdir=" + home, "-XX:-UsePerfData", "-XX:TieredStopAtLevel=1", "-cp", String.join(File.pathSeparator, entries), "tfix.cli.Main",
                    "exec", "attach " + t.pid());
            Path err = Files.createFile(cp.resolve("err.txt"));
            err.toFile().setWritable(true, false);
            Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            String msg = Files.readString(err, StandardCharsets.UTF_8);
            assertEquals(1, p.exitValue(), msg);
            assertTrue(msg.contains("permission denied") && msg.contains("CAP_SYS_PTRACE"), msg);
            t.awaitLine("tick");
            assertFalse(t.traced());
        }
    }

    private static void copyTree(Path src, Path dst) throws IOException {
        try (var s = Files.walk(src)) {
            for (Path p : s.toList()) {
                Path to = dst.resolve(src.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        }
    }
}
