package tfix.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/**
 * tfix run by a user who is not root (uid 65534, through util-linux's setpriv), with or without
 * CAP_SYS_PTRACE, against that user's processes and root's: what works, and the one line that says what is
 * missing when it does not.
 */
class NonRootTest {
    private static final String NOBODY = "65534";
    @TempDir
    static Path dir;
    private static String classPath;
    private static Path home;

    @BeforeAll
    static void unprivilegedCopy() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "util-linux's setpriv is not installed");
        Assumptions.assumeTrue((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0, "needs root to switch user");
        List<String> entries = new ArrayList<>();
        int i = 0;
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path src = Path.of(e);
            Path dst = dir.resolve("cp").resolve((i++) + "-" + src.getFileName());
            Files.createDirectories(dst.getParent());
            if (Files.isDirectory(src)) {
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
            } else if (Files.exists(src)) {
                Files.copy(src, dst);
            }
            entries.add(dst.toString());
        }
        classPath = String.join(File.pathSeparator, entries);
        home = Files.createDirectory(dir.resolve("home"));
        Files.copy(Targets.exe("scorer.c"), dir.resolve("scorer"));
        Files.copy(Targets.exe("undumpable.c"), dir.resolve("undumpable"));
        Files.copy(Targets.patch("scorer_patch.c"), dir.resolve("fix.so"));
        new ProcessBuilder("chmod", "-R", "a+rX", dir.toString()).start().waitFor();
        new ProcessBuilder("chown", "-R", NOBODY + ":" + NOBODY, home.toString()).start().waitFor();
    }

    /** The command line as uid 65534, with {@code caps} (e.g. "+sys_ptrace") inherited and ambient. */
    private static CliTest.Result tfixAs(String caps, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups"));
        if (caps.isEmpty()) {
            cmd.add("--inh-caps=-all");
        } else {
            cmd.addAll(List.of("--inh-caps=" + caps, "--ambient-caps=" + caps));
        }
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Duser.home=" + home,
                "-Djava.io.tmpdir=" + home, "-XX:-UsePerfData", "-XX:TieredStopAtLevel=1", "-cp", classPath, "tfix.cli.Main"));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(home, "out", ".txt");
        Path err = Files.createTempFile(home, "err", ".txt");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().put("HOME", home.toString());
            pb.environment().put("XDG_STATE_HOME", home.resolve("state").toString());
            // The user's own journal, locks and patch store (under the temporary home), not the build's root-owned ones.
            pb.environment().remove("TFIX_JOURNAL");
            pb.environment().remove("TFIX_PATCH_STORE");
            pb.environment().remove("TFIX_LOCK_DIR");
            pb.environment().remove("XDG_RUNTIME_DIR");
            Process p = pb.start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("tfix did not finish: " + cmd);
            }
            return new CliTest.Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static RunningTarget asNobody(String exe) {
        return RunningTarget.start(Path.of("/usr/bin/setpriv"), "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups",
                "--inh-caps=-all", dir.resolve(exe).toString());
    }

    private static String replace(int pid) {
        return "attach " + pid + "; replace 'compute' with 'compute_v2' from '" + dir.resolve("fix.so") + "'; detach";
    }

    @Test
    void aUserPatchesVerifiesAndRevertsTheirOwnProcessFromSeparateRuns() throws Exception {
        try (RunningTarget t = asNobody("scorer")) {
            t.awaitLine("compute=40 static=16");
            CliTest.Result r = tfixAs("", "exec", replace(t.pid()));
            assertEquals(0, r.exit(), r.err());
            t.awaitLine("compute=1005");
            CliTest.Result status = tfixAs("", "status", "--pid", Integer.toString(t.pid()));
            assertTrue(status.out().contains("compute -> compute_v2 (fix.so)"), status.out());
            CliTest.Result verify = tfixAs("+sys_ptrace", "verify", "--pid", Integer.toString(t.pid()));
            assertEquals(0, verify.exit(), verify.err() + verify.out());
            CliTest.Result revert = tfixAs("", "revert", "--pid", Integer.toString(t.pid()), "compute");
            assertEquals(0, revert.exit(), revert.err());
            t.awaitLine("compute=40");
            // The journal of a user is theirs: $XDG_STATE_HOME/tfix/journal.jsonl.
            String journal = Files.readString(home.resolve("state").resolve("tfix").resolve("journal.jsonl"));
            assertTrue(journal.contains("\"action\":\"apply\"") && journal.contains("\"action\":\"revert\""), journal);
            assertFalse(t.traced());
        }
    }

    @Test
    void rootsProcessNeedsCapDacOverrideBesidesCapSysPtraceAndIsLeftAsItWasWithout() throws Exception {
        try (RunningTarget t = RunningTarget.start(dir.resolve("scorer"))) {
            t.awaitLine("compute=40 static=16");
            byte[] before = Files.readAllBytes(Path.of("/proc", Integer.toString(t.pid()), "maps"));
            CliTest.Result r = tfixAs("+sys_ptrace", "exec", replace(t.pid()));
            assertEquals(1, r.exit(), r.out());
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(r.err().contains("/proc/" + t.pid() + "/mem") && r.err().contains("CAP_DAC_OVERRIDE"), r.err());
            assertArrayEquals(before, Files.readAllBytes(Path.of("/proc", Integer.toString(t.pid()), "maps")));
            assertFalse(t.traced());

            CliTest.Result none = tfixAs("", "exec", replace(t.pid()));
            assertEquals(1, none.exit());
            assertTrue(none.err().contains("it runs as uid 0 and tfix as uid 65534 without CAP_SYS_PTRACE"), none.err());
            assertFalse(t.traced());

            // The remedy the line names works: with CAP_DAC_OVERRIDE too, the user patches and reverts root's process.
            String caps = "+sys_ptrace,+dac_override";
            CliTest.Result both = tfixAs(caps, "exec", replace(t.pid()));
            assertEquals(0, both.exit(), both.err());
            t.awaitLine("compute=1005");
            CliTest.Result revert = tfixAs(caps, "revert", "--pid", Integer.toString(t.pid()));
            assertEquals(0, revert.exit(), revert.err());
            t.awaitLine("compute=40");
            assertFalse(t.traced());
        }
    }

    @Test
    void anUndumpableProcessOfTheSameUserNeedsTheCapability() throws Exception {
        try (RunningTarget t = asNobody("undumpable")) {
            t.awaitLine("compute=40");
            CliTest.Result r = tfixAs("", "exec", replace(t.pid()));
            assertEquals(1, r.exit(), r.out());
            assertTrue(r.err().contains("prctl(PR_SET_DUMPABLE, 0)") && r.err().contains("CAP_SYS_PTRACE"), r.err());
            assertFalse(t.traced());
        }
    }

    @Test
    void aContainersProcessGetsItsCopyFromAUserWithTheCapabilities() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/unshare")), "util-linux's unshare is not installed");
        Path hide = Files.createDirectories(dir.resolve("box"));
        Path patch = Files.copy(dir.resolve("fix.so"), hide.resolve("boxed_fix.so"));
        new ProcessBuilder("chmod", "-R", "a+rX", hide.toString()).start().waitFor();
        // The user's patch store (under XDG_STATE_HOME) is out of the process's sight too: it gets a memfd copy.
        Path store = Files.createDirectories(home.resolve("state").resolve("tfix").resolve("patches"));
        new ProcessBuilder("chown", "-R", NOBODY + ":" + NOBODY, home.resolve("state").toString()).start().waitFor();
        String inside = "mount -t tmpfs none " + hide + " && mount -t tmpfs none " + store + " && exec " + dir.resolve("scorer");
        try (RunningTarget t = RunningTarget.start(Path.of("/usr/bin/unshare"), "-m", "--propagation", "private", "sh", "-c", inside)) {
            t.awaitLine("compute=40 static=16");
            String caps = "+sys_ptrace,+dac_override";
            CliTest.Result r = tfixAs(caps, "exec", "attach " + t.pid() + "; replace 'compute' with 'compute_v2' from '" + patch
                    + "'; detach");
            assertEquals(0, r.exit(), r.err());
            t.awaitLine("compute=1005");
            assertTrue(Files.readString(Path.of("/proc", Integer.toString(t.pid()), "maps")).contains("/memfd:tfix-patch:"));
            CliTest.Result revert = tfixAs(caps, "revert", "--pid", Integer.toString(t.pid()));
            assertEquals(0, revert.exit(), revert.err());
            t.awaitLine("compute=40");
            assertFalse(t.traced());
        }
    }
}
