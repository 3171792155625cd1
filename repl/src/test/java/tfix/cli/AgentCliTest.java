package tfix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import tfix.engine.testing.AgentTargets;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/**
 * The agent from the command line: `tfix agent --path`, and a process that forbids ptrace (undumpable) patched,
 * listed, verified and reverted by a tfix without CAP_SYS_PTRACE, every result saying the agent ran.
 */
class AgentCliTest {
    private static final Path HOME = Path.of("..").toAbsolutePath().normalize();

    /** The command line in its own JVM, started by setpriv without CAP_SYS_PTRACE (bounding and inheritable sets). */
    static CliTest.Result tfixWithoutPtrace(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--inh-caps=-sys_ptrace", "--bounding-set=-sys_ptrace", "--",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:TieredStopAtLevel=1",
                "-Dtfix.home=" + HOME, "-cp", System.getProperty("java.class.path"), "tfix.cli.Main"));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile("tfix-out", ".txt"), err = Files.createTempFile("tfix-err", ".txt");
        try {
            Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
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

    @Test
    void agentPathPrintsTheBuiltLibraryAndAnythingElseIsAUsageError() throws Exception {
        Path lib = AgentTargets.library();
        CliTest.Result r = CliTest.tfix("agent", "--path");
        assertEquals(0, r.exit(), r.err());
        assertEquals(lib.toRealPath().toString(), Path.of(r.out().trim()).toRealPath().toString());
        assertEquals(2, CliTest.tfix("agent").exit());
        CliTest.Result unknown = CliTest.tfix("agent", "--where");
        assertEquals(2, unknown.exit());
        assertTrue(unknown.err().contains("--where"), unknown.err());
    }

    @Test
    void anUndumpableProcessIsPatchedListedVerifiedAndRevertedByATfixThatMayNotTraceIt() throws Exception {
        Path patch = Targets.patch("agent_patch.c");
        try (RunningTarget t = AgentTargets.start("dumpable=0", Targets.exe("agent_target.c"), List.of(), "undumpable")) {
            String pid = Integer.toString(t.pid());
            CliTest.Result refused = tfixWithoutPtrace("exec", "attach " + pid + ", via: 'ptrace'");
            assertEquals(1, refused.exit(), refused.out() + refused.err());
            assertEquals(1, refused.err().lines().count(), refused.err());
            assertTrue(refused.err().contains("permission denied tracing process " + pid), refused.err());

            CliTest.Result bad = tfixWithoutPtrace("exec", "attach " + pid + ", via: 'carrier pigeon'");
            assertTrue(bad.err().contains("use via: 'agent' or via: 'ptrace'"), bad.err());
            assertTrue(bad.exit() != 0);

            CliTest.Result r = tfixWithoutPtrace("exec", "attach " + pid + "; replace 'hot' with 'hot_v2' from '" + patch
                    + "'; verify");
            assertEquals(0, r.exit(), r.err());
            assertTrue(r.out().contains("via agent"), r.out());
            assertTrue(r.out().contains("replaced hot with hot_v2"), r.out());
            t.awaitLine("hot=3");

            CliTest.Result st = tfixWithoutPtrace("status", "--pid", pid, "--json");
            assertEquals(0, st.exit(), st.err());
            assertTrue(st.out().contains("\"route\":\"agent\"") && st.out().contains("\"function\":\"hot\""), st.out());
            assertEquals(0, tfixWithoutPtrace("verify", "--pid", pid).exit());

            CliTest.Result rv = tfixWithoutPtrace("revert", "--pid", pid, "hot");
            assertEquals(0, rv.exit(), rv.err());
            t.awaitLine("hot=2");
            List<String> journal = Files.readAllLines(Path.of(System.getenv("TFIX_JOURNAL"))).stream()
                    .filter(l -> l.contains("\"pid\":" + pid + ",")).toList();
            assertTrue(journal.stream().anyMatch(l -> l.contains("\"action\":\"apply\"") && l.contains("\"route\":\"agent\"")),
                    journal.toString());
            assertTrue(journal.stream().anyMatch(l -> l.contains("\"action\":\"revert\"") && l.contains("\"route\":\"agent\"")),
                    journal.toString());
            assertFalse(t.traced());
            assertEquals(List.of(), t.output().stream().filter(l -> l.startsWith("BAD")).toList());
        }
    }
}
