package tfix.engine.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

import tfix.engine.Options;
import tfix.engine.Results;
import tfix.engine.TfixSession;
import tfix.engine.Via;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.testing.AgentTargets;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/**
 * Patching through the in-process agent: a process tfix may not trace (undumpable, tfix without CAP_SYS_PTRACE) is
 * patched, verified, listed and reverted through it, while eight threads hammer the patched function and others
 * wait in read, nanosleep and epoll_wait (none may see EINTR) and the program keeps its own signal handlers.
 */
class AgentTest extends EngineTest {
    private static final Path EXE = Targets.exe("agent_target.c");
    private static final Path PATCH = Targets.patch("agent_patch.c");

    private static TfixSession attach(RunningTarget t, Via via) {
        return TfixSession.attach(t.pid(), engine, Options.defaults(), w -> { }, via);
    }

    private static void noneBad(RunningTarget t) {
        List<String> bad = t.output().stream().filter(l -> l.startsWith("BAD")).toList();
        assertEquals(List.of(), bad, "the target saw something wrong");
    }

    @Test
    void anUndumpableProcessRefusedToPtraceIsPatchedVerifiedListedAndRevertedThroughItsAgent() throws Exception {
        try (RunningTarget t = AgentTargets.start("dumpable=0", EXE, List.of(), "undumpable")) {
            t.awaitLine("hot=2");
            AgentTargets.withoutPtrace(engine.nat(), () -> {
                TfixException refused = assertThrows(TfixException.class, () -> attach(t, Via.PTRACE).close());
                assertEquals(Reason.PERMISSION, refused.reason(), refused.getMessage());
                try (TfixSession s = TfixSession.attach(t.pid(), engine, Options.defaults())) {
                    assertEquals("agent", s.route());
                    Results.Replaced r = s.replace("hot", null, "hot_v2", PATCH);
                    assertFalse(r.alreadyApplied());
                    t.awaitLine("hot=3");
                    List<Results.Verified> v = s.verify();
                    assertEquals(1, v.size());
                    assertTrue(v.get(0).ok(), v.toString());
                    assertEquals("hot", s.status().get(0).function());
                    assertEquals(1, s.revert("hot").patches().size());
                    t.awaitLine("hot=2");
                    assertEquals(List.of(), s.status());
                }
                return null;
            });
            t.awaitLine("tick .* hot=2");
            assertFalse(t.traced());
            noneBad(t);
        }
    }

    @Test
    void aPatchAppliedThroughTheAgentIsRevertedThroughPtraceAndTheOtherWayRound() throws Exception {
        try (RunningTarget t = AgentTargets.start("dumpable=1", EXE, List.of())) {
            try (TfixSession s = attach(t, Via.AGENT)) {
                s.replace("hot", null, "hot_v2", PATCH);
            }
            t.awaitLine("hot=3");
            try (TfixSession s = attach(t, Via.PTRACE)) {
                assertEquals("ptrace", s.route());
                assertTrue(s.verify().get(0).ok());
                assertEquals(1, s.revertAll().patches().size());
            }
            t.awaitLine("hot=2");
            try (TfixSession s = attach(t, Via.PTRACE)) {
                s.replace("hot", null, "hot_v2", PATCH);
            }
            t.awaitLine("hot=3");
            try (TfixSession s = attach(t, Via.AGENT)) {
                assertTrue(s.verify().get(0).ok());
                assertEquals(1, s.revertAll().patches().size());
            }
            t.awaitLine("hot=2");
            // Only the answers: the ptrace route's own stops end epoll_wait's timed wait early with EINTR (it does
            // without the agent too); the agent route's are checked by the other tests.
            assertEquals(List.of(), t.output().stream().filter(l -> l.startsWith("BAD result")).toList());
        }
    }

    @Test
    @Disabled("known race on the stop path, which this target's hot() takes (odd entry: no 2-byte jump without a stop):"
            + " a thread entering epoll_wait between the agent's /proc read and its signal sees EINTR (failed once in two"
            + " CI runs). Sites that qualify are written with no signal at all: NoStopTest runs this test there")
    void manyWritesWhileThreadsHammerAndWaitLeaveNoThreadWithEintrAndTheProgramsHandlersAsTheyWere() throws Exception {
        try (RunningTarget t = AgentTargets.start("dumpable=1", EXE, List.of())) {
            try (TfixSession s = attach(t, Via.AGENT)) {
                for (int i = 0; i < 25; i++) {
                    s.replace("hot", null, "hot_v2", PATCH);
                    assertEquals(1, s.revertAll().patches().size());
                }
            }
            // Ticks after the last write: the checks of each tick ran with every write done.
            t.awaitLine("tick .* hot=2");
            t.awaitLine("tick .* hot=2");
            noneBad(t);
        }
    }

    @Test
    void aSignalTheProgramHandlesIsRefusedAsTheAgentsSignal() throws Exception {
        // SIGRTMAX (64 on glibc x86-64) has the program's own handler.
        try (RunningTarget t = AgentTargets.start("dumpable=1", EXE, List.of("TFIX_AGENT_SIGNAL=64"))) {
            try (TfixSession s = attach(t, Via.AGENT)) {
                TfixException e = assertThrows(TfixException.class, () -> s.replace("hot", null, "hot_v2", PATCH));
                assertTrue(e.getMessage().contains("the program has its own action for signal 64"), e.getMessage());
                assertEquals(List.of(), s.status());
            }
            t.awaitLine("tick .* hot=2", Duration.ofSeconds(5));
            noneBad(t);
        }
    }

    @Test
    void planTransactionAndTheInspectionVerbsRunThroughTheAgentRunningThreadsSayWhyTheyHaveNoBacktrace()
            throws Exception {
        try (RunningTarget t = AgentTargets.start("dumpable=1", EXE, List.of())) {
            try (TfixSession s = attach(t, Via.AGENT)) {
                tfix.engine.patch.ReplaceSpec spec = tfix.engine.patch.ReplaceSpec.of("hot", "hot_v2", PATCH);
                assertEquals(1, s.plan(List.of(spec)).size());
                assertTrue(s.inspect(i -> i.disassemble("hot")).stream().anyMatch(l -> l.contains("ret")));
                assertTrue(s.inspect(i -> i.maps()).stream().anyMatch(l -> l.contains("libtfix-agent.so")));
                assertTrue(s.inspect(i -> i.symbols(java.util.regex.Pattern.compile("^hot$"))).stream()
                        .anyMatch(l -> l.contains("hot")));
                // Threads are listed; those running user code say why they have no backtrace (AgentInspectTest).
                List<String> threads = s.inspect(i -> i.threads());
                assertTrue(threads.stream().anyMatch(l -> l.contains("tfix-agent")), threads.toString());
                assertTrue(threads.stream().anyMatch(l -> l.contains("no backtrace: running user code")),
                        threads.toString());
                assertEquals(1, s.transaction(List.of(spec)).size());
                t.awaitLine("hot=3");
                assertEquals(1, s.status().size());
                assertEquals(1, s.revertAll().patches().size());
                t.awaitLine("hot=2");
            }
            noneBad(t);
        }
    }

    @Test
    void theAgentWaitsInAcceptOnOneThreadAndLeavesLdPreloadToNoChild() throws Exception {
        try (RunningTarget t = AgentTargets.start("dumpable=1", EXE, List.of())) {
            assertTrue(t.output().stream().anyMatch(l -> l.equals("dumpable=1 preload=(none)")), t.output().toString());
            List<Path> agents = new java.util.ArrayList<>();
            try (var tasks = java.nio.file.Files.list(Path.of("/proc", Integer.toString(t.pid()), "task"))) {
                for (Path task : tasks.toList()) {
                    if (java.nio.file.Files.readString(task.resolve("comm")).trim().equals("tfix-agent")) {
                        agents.add(task);
                    }
                }
            }
            assertEquals(1, agents.size(), "one control thread");
            // Blocked in accept4 (system call 288), not spinning: its state is read, no time is measured.
            // Right after start it may still be on its way into accept4: wait for that state, then insist on it.
            Path file = agents.get(0).resolve("syscall");
            long until = System.nanoTime() + 5_000_000_000L;
            while (!java.nio.file.Files.readString(file).startsWith("288 ") && System.nanoTime() < until) {
                java.util.concurrent.locks.LockSupport.parkNanos(2_000_000L);
            }
            String syscall = java.nio.file.Files.readString(file);
            assertTrue(syscall.startsWith("288 "), syscall);
            String stat = java.nio.file.Files.readString(agents.get(0).resolve("stat"));
            assertEquals('S', stat.charAt(stat.lastIndexOf(')') + 2), stat);
        }
    }

    @Test
    void aProcessWithoutAnAgentIsNamedWithTheRemedy() throws Exception {
        try (RunningTarget t = RunningTarget.startPast("dumpable=1", EXE)) {
            TfixException e = assertThrows(TfixException.class, () -> attach(t, Via.AGENT).close());
            assertEquals(Reason.NOT_FOUND, e.reason());
            assertTrue(e.getMessage().contains("LD_PRELOAD=$(tfix agent --path)"), e.getMessage());
        }
    }
}
