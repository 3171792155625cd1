package tfix.engine.ptrace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import tfix.engine.process.ProcStatus;
import tfix.engine.process.TargetProcess;
import tfix.engine.sys.Native;
import tfix.engine.testing.Await;
import tfix.engine.testing.Targets;

/**
 * A thread's ptrace-stop whose wait status someone else collected. Here that is this JVM's process reaper: the
 * target is its child (started with ProcessBuilder, as RedisProbeTest started redis-server), and a waitpid(pid)
 * by any thread of the tracer's process reports the main thread's ptrace-stops too. The reaper takes one stop for
 * the process's end; the main thread then sits in a ptrace-stop tfix never heard of. Before the fix, stopAll timed
 * out on it and the detach looped 5 s a round, leaving it stopped and traced (RedisProbeTest's 12-minute hang).
 */
class StolenStopTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void aStopWhoseStatusTheJvmReaperTookIsFoundInProcAndTheDetachLetsEveryThreadGo() throws Exception {
        Path exe = Targets.exe("ticker.c"); // a 1 ms timer: the main thread stops for signals too
        Process child = new ProcessBuilder(exe.toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        int pid = (int) child.pid();
        try (PtraceThread owner = new PtraceThread(pid)) {
            Native nat = new Native();
            owner.call(() -> {
                Tracee tracee = Tracee.attach(new TargetProcess(pid), new Ptrace(nat), owner);
                try {
                    // Until the reaper has taken a stop (it takes one only), and some more rounds after it.
                    for (int i = 0; i < 400 && (child.isAlive() || i < 20); i++) {
                        tracee.stopAll(Duration.ofSeconds(5));
                        for (TracedThread th : tracee.threads.values()) {
                            assertTrue(th.stopped, "thread " + th.tid + " not counted as stopped");
                        }
                        tracee.resumeAll();
                    }
                } finally {
                    tracee.detach();
                }
                return null;
            });
            assertFalse(child.isAlive(), "the reaper never took a stop: the case was not made");
            assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the target died");
            // Untraced and running again, every thread; none waited for a time-out.
            Await.until(WAIT, () -> ProcStatus.ofTask(pid, pid).map(s -> s.tracerPid() == 0 && s.state() != 't')
                    .orElse(false));
            for (int tid : new TargetProcess(pid).threadIds()) {
                assertEquals(0, ProcStatus.ofTask(pid, tid).orElseThrow().tracerPid(), "thread " + tid + " still traced");
            }
        } finally {
            kill(pid);
        }
    }

    /** SIGKILL and reap: the JVM's reaper already returned, so this waitpid is the one that collects the zombie. */
    private static void kill(int pid) {
        Native nat = new Native();
        nat.libc().kill(pid, 9);
        nat.libc().waitpid(pid, new int[1], 0);
    }
}
