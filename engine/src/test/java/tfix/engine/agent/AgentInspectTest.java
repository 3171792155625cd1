package tfix.engine.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import tfix.engine.Options;
import tfix.engine.TfixSession;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.patch.ReplaceSpec;
import tfix.engine.testing.AgentTargets;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/**
 * The inspection verbs through the agent, on a process tfix may not trace (undumpable, tfix without CAP_SYS_PTRACE):
 * threads blocked in a system call are read where they wait, with their frames; threads running user code are named
 * as not looked at (no stop for a look), never placed; `where` never says "nowhere" for them; safety 'stack' is
 * refused with its remedy, nothing changed. None of it signals a thread (the target checks for EINTR).
 */
class AgentInspectTest extends EngineTest {
    private static final Path EXE = Targets.exe("agent_target.c");
    private static final Path PATCH = Targets.patch("agent_patch.c");

    @Test
    void threadsAndWhereReadBlockedThreadsAndNameTheRunningOnesSafetyStackIsRefused() throws Exception {
        try (RunningTarget t = AgentTargets.start("dumpable=0", EXE, List.of(), "undumpable")) {
            t.awaitLine("hot=2");
            AgentTargets.withoutPtrace(engine.nat(), () -> {
                try (TfixSession s = TfixSession.attach(t.pid(), engine, Options.defaults())) {
                    assertEquals("agent", s.route());
                    // The sleeper wakes every 30 ms and, beside eight spinning workers on a busy machine, may wait
                    // for a CPU as runnable: list again until it is seen waiting (the reader always waits).
                    List<String> threads = s.inspect(i -> i.threads());
                    for (int look = 0; look < 100 && threads.stream()
                            .noneMatch(l -> l.matches("\\s+#\\d+\\s+0x\\p{XDigit}+ sleeper\\+.*")); look++) {
                        java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L);
                        threads = s.inspect(i -> i.threads());
                    }
                    String all = String.join("\n", threads);
                    // The reader waits in read(2): its place from the agent's /proc/self/task/TID/syscall, and the
                    // return address into reader() found on its stack.
                    assertTrue(threads.stream().anyMatch(l -> l.matches("\\s+#\\d+\\s+0x\\p{XDigit}+ reader\\+.*")), all);
                    assertTrue(threads.stream().anyMatch(l -> l.matches("\\s+#\\d+\\s+0x\\p{XDigit}+ sleeper\\+.*")), all);
                    assertTrue(threads.stream().anyMatch(l -> l.contains("(syscall 0)")), all);
                    // The eight workers run hot() in a loop: named, not guessed at.
                    long unread = threads.stream().filter(l -> l.contains("no backtrace: running user code, and through the"
                            + " agent a thread is read only while it waits in a system call; via: 'ptrace' shows its frames")).count();
                    assertTrue(unread >= 1, all);
                    assertFalse(threads.stream().anyMatch(l -> l.matches("\\s+#\\d+\\s+0x\\p{XDigit}+ worker\\+.*")), all);

                    List<String> reader = s.inspect(i -> i.where("reader"));
                    assertTrue(reader.get(0).startsWith("1 of "), String.join("\n", reader));
                    assertTrue(reader.get(1).contains("may have reader on its stack"), String.join("\n", reader));

                    List<String> hot = s.inspect(i -> i.where("hot"));
                    String h = String.join("\n", hot);
                    assertTrue(hot.get(0).startsWith("no thread is in hot or has it on its stack ("), h);
                    assertTrue(hot.stream().filter(l -> l.matches("thread \\d+ \\(.*\\) not looked at, it may be in hot:"
                            + " running user code, .*")).count() >= 1, h);

                    // disas marks where threads are: through the agent only the blocked ones, the listing still comes.
                    assertTrue(s.inspect(i -> i.disassemble("hot")).stream().anyMatch(l -> l.contains("ret")));

                    s.stackCheck(true);
                    TfixException e = assertThrows(TfixException.class, () -> s.replace(ReplaceSpec.of("hot", "hot_v2", PATCH)));
                    assertEquals(Reason.UNSUPPORTED, e.reason());
                    assertTrue(e.getMessage().contains("safety 'stack' is not available through the agent yet: attach with"
                            + " via: 'ptrace'"), e.getMessage());
                    assertEquals(List.of(), s.status());
                }
                return null;
            });
            t.awaitLine("tick .* hot=2");
            assertFalse(t.traced());
            assertEquals(List.of(), t.output().stream().filter(l -> l.startsWith("BAD")).toList());
        }
    }
}
