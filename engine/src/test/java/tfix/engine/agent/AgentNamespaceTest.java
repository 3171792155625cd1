package tfix.engine.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import tfix.engine.Options;
import tfix.engine.TfixSession;
import tfix.engine.Via;
import tfix.engine.failure.TfixException;
import tfix.engine.testing.AgentTargets;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/** A process in a network namespace of its own (as in a container): tfix enters it to reach the agent's socket. */
class AgentNamespaceTest extends EngineTest {
    private static final Path EXE = Targets.exe("agent_target.c");
    private static final Path PATCH = Targets.patch("agent_patch.c");
    private static final Path UNSHARE = Path.of("/usr/bin/unshare");

    @Test
    void theAgentOfAProcessInAnotherNetworkNamespaceIsReachedAndPatchesAndReverts() throws Exception {
        assumeTrue(Files.isExecutable(UNSHARE) && "root".equals(System.getProperty("user.name")),
                "needs unshare and root (entering a namespace needs CAP_SYS_ADMIN)");
        // unshare execs the program in a new network namespace: the pid is the program's own.
        try (RunningTarget t = RunningTarget.startPast("dumpable=1", UNSHARE, "-n", "/usr/bin/env",
                "LD_PRELOAD=" + AgentTargets.library(), EXE.toString())) {
            Path theirs = Files.readSymbolicLink(Path.of("/proc", Integer.toString(t.pid()), "ns", "net"));
            assertFalse(theirs.equals(Files.readSymbolicLink(Path.of("/proc/self/ns/net"))), "not in a namespace of its own");
            String before = Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString();
            try (TfixSession s = TfixSession.attach(t.pid(), engine, Options.defaults(), w -> { }, Via.AGENT)) {
                assertEquals("agent", s.route());
                s.replace("hot", null, "hot_v2", PATCH);
                t.awaitLine("hot=3");
                assertEquals("hot", s.status().get(0).function());
                assertEquals(1, s.revertAll().patches().size());
                t.awaitLine("hot=2");
            }
            // This thread went back to tfix's own namespace.
            assertEquals(before, Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString());
            assertFalse(t.traced());
        }
    }

    @Test
    void aProcessInPidAndNetworkNamespacesOfItsOwnIsFoundByThePidItSeesItselfAs() throws Exception {
        // As in a container: its own /proc mounted (in a mount namespace of its own).
        inPidNamespace(List.of("-m", "--mount-proc"), (s, out) -> {
            s.replace("hot", null, "hot_v2", PATCH);
            awaitLine(out, "hot=3");
            assertEquals(1, s.revertAll().patches().size());
            awaitLine(out, "hot=2");
        });
    }

    @Test
    void aProcessWhoseProcIsAnotherPidNamespacesIsNotWrittenTo() throws Exception {
        // Without its own /proc, /proc/self/task names its threads by pids it cannot signal: the agent cannot stop
        // them, so it refuses the write rather than make it with threads running.
        inPidNamespace(List.of(), (s, out) -> {
            TfixException e = assertThrows(TfixException.class, () -> s.replace("hot", null, "hot_v2", PATCH));
            assertTrue(e.getMessage().contains("cannot be signalled"), e.getMessage());
            assertEquals(List.of(), s.status());
            awaitLine(out, "tick .* hot=2");
        });
    }

    private interface Body {
        void run(TfixSession s, BufferedReader out) throws Exception;
    }

    private void inPidNamespace(List<String> more, Body body) throws Exception {
        assumeTrue(Files.isExecutable(UNSHARE) && "root".equals(System.getProperty("user.name")),
                "needs unshare and root (entering a namespace needs CAP_SYS_ADMIN)");
        // With --fork the program is unshare's child, pid 1 inside (so it says "ready pid=1", and RunningTarget,
        // which trusts that line, is not used): its agent listens on @tfix-agent-1. --kill-child: it dies with unshare.
        List<String> cmd = new ArrayList<>(List.of(UNSHARE.toString(), "-n", "-p", "--fork", "--kill-child"));
        cmd.addAll(more);
        cmd.addAll(List.of("/usr/bin/env", "LD_PRELOAD=" + AgentTargets.library(), EXE.toString()));
        Process unshare = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(unshare.getInputStream(), StandardCharsets.UTF_8))) {
            awaitLine(out, "dumpable=1");
            String children = Files.readString(Path.of("/proc", Long.toString(unshare.pid()), "task",
                    Long.toString(unshare.pid()), "children")).trim();
            int program = Integer.parseInt(children.split(" ")[0]);
            assertEquals(1, AgentSocket.pidInside(program));
            try (TfixSession s = TfixSession.attach(program, engine, Options.defaults(), w -> { }, Via.AGENT)) {
                body.run(s, out);
            }
        } finally {
            unshare.destroyForcibly().waitFor();
        }
    }

    /** Reads the program's lines until one contains {@code text} (it prints one a few times a second). */
    private static void awaitLine(BufferedReader out, String regex) throws IOException {
        for (String line; (line = out.readLine()) != null;) {
            if (java.util.regex.Pattern.compile(regex).matcher(line).find()) {
                return;
            }
        }
        throw new AssertionError("the program ended before printing " + regex);
    }
}
