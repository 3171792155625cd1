package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tfix.engine.process.ProcStatus;
import tfix.engine.process.TargetProcess;
import tfix.engine.sys.Native;
import tfix.engine.testing.Await;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.Targets;

/**
 * Replace and revert in a process this JVM started (as RedisProbeTest once did): the JVM's process reaper waits for
 * it and takes one of its main thread's ptrace-stops, which tfix must find in /proc (ptrace.StolenStopTest). Every
 * session ends with the target running, untraced, no thread stopped.
 */
class ChildOfThisJvmTest extends EngineTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void replaceAndRevertEndWithTheTargetLetGoThoughTheReaperTookAStop(@TempDir Path dir) throws Exception {
        Path exe = Targets.exe("ticker.c");
        Path patch = Targets.patch("ticker_patch.c");
        Path out = dir.resolve("out");
        Process child = new ProcessBuilder(exe.toString()).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        int pid = (int) child.pid();
        try {
            Await.until(WAIT, () -> Files.readString(out).contains("window 1 "));
            for (int i = 0; i < 30 && (child.isAlive() || i < 5); i++) {
                try (TfixSession s = TfixSession.attach(pid, engine, Options.defaults())) {
                    s.replace("compute", null, "compute_v2", patch);
                    s.revert("compute");
                }
                assertLetGo(pid);
            }
            assertFalse(child.isAlive(), "the reaper never took a stop: the case was not made");
            assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the target died");
            int windows = Files.readString(out).split("window ").length;
            Await.until(WAIT, () -> Files.readString(out).split("window ").length > windows); // it runs on
        } finally {
            Native nat = new Native();
            nat.libc().kill(pid, 9);
            nat.libc().waitpid(pid, new int[1], 0); // the reaper has returned: this collects the zombie
        }
    }

    private static void assertLetGo(int pid) {
        for (int tid : new TargetProcess(pid).threadIds()) {
            ProcStatus s = ProcStatus.ofTask(pid, tid).orElseThrow();
            assertTrue(s.tracerPid() == 0 && s.state() != 't', "thread " + tid + " state " + s.state() + " tracer "
                    + s.tracerPid());
        }
    }
}
