package tfix.engine.ptrace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import tfix.engine.failure.TfixException;
import tfix.engine.process.ProcStatus;
import tfix.engine.process.TargetProcess;
import tfix.engine.sys.Native;
import tfix.engine.testing.Await;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/**
 * A detach ends even when a thread never stops: the target's main thread waits in vfork (state D) for a child
 * that sleeps a minute. Before, releaseAll asked it to stop for 5 s, forgot it, found it traced again and began
 * once more, for as long as it did not stop (RedisProbeTest's 12 minutes had the same loop).
 */
class BoundedDetachTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void aThreadThatCannotStopDoesNotHoldTheDetachAndIsLetGoWhenTheTracerThreadEnds() throws Exception {
        try (RunningTarget t = RunningTarget.start(Targets.exe("vforker.c"))) {
            t.awaitLine("^vforking$", WAIT);
            int pid = t.pid();
            Await.until(WAIT, () -> ProcStatus.ofTask(pid, pid).map(s -> s.state() == 'D').orElse(false));
            try {
                PtraceThread owner = new PtraceThread(pid);
                try {
                    // Hang guard only: without the bound this never returned while the child slept.
                    assertTimeoutPreemptively(Duration.ofSeconds(30), () -> owner.call(() -> {
                        Tracee tracee = Tracee.attach(new TargetProcess(pid), new Ptrace(new Native()), owner);
                        try {
                            assertThrows(TfixException.class, () -> tracee.stopAll(Duration.ofMillis(300)));
                        } finally {
                            tracee.detach();
                        }
                        return null;
                    }));
                } finally {
                    owner.close();
                }
                // The stoppable thread was detached; the one that never stopped was let go with the tracer thread.
                Await.until(WAIT, () -> !t.traced());
                for (int tid : new TargetProcess(pid).threadIds()) {
                    char state = ProcStatus.ofTask(pid, tid).orElseThrow().state();
                    assertFalse(state == 't' || state == 'T', "thread " + tid + " left stopped: " + state);
                }
                assertTrue(t.alive());
                assertEquals('D', ProcStatus.ofTask(pid, pid).orElseThrow().state(), "still in its vfork, untouched");
            } finally {
                killChildren(pid);
            }
        }
    }

    /** The vfork child outlives the target otherwise. */
    private static void killChildren(int pid) throws Exception {
        Path children = Path.of("/proc/" + pid + "/task/" + pid + "/children");
        for (String c : Files.readString(children).trim().split("\\s+")) {
            if (!c.isEmpty()) {
                new Native().libc().kill(Integer.parseInt(c), 9);
            }
        }
    }
}
