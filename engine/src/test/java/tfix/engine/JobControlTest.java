package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/**
 * Job control stops the process while its thread is borrowed to load a patch: the call runs
 * to its end, and then the thread goes back into the stop like every other, while tfix is
 * still attached; after SIGCONT the process runs on.
 */
class JobControlTest extends EngineTest {
    private static List<Character> taskStates(int pid) throws Exception {
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Integer.toString(pid), "task"))) {
            return tasks.map(task -> {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    return stat.charAt(stat.lastIndexOf(')') + 2);
                } catch (Exception e) {
                    return '?';
                }
            }).toList();
        }
    }

    private static void signal(int pid, String sig) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-" + sig, Integer.toString(pid)).start().waitFor());
    }

    @Test
    void aStopDuringABorrowedCallStopsThatThreadToo() throws Exception {
        Path exe = Targets.exe("scorer.c");
        Path patch = Targets.patch("stopwatch_patch.c");
        try (RunningTarget t = RunningTarget.start(exe)) {
            t.awaitLine("compute=40 static=16");
            Object outcome;
            try (TfixSession s = attach(t)) {
                CompletableFuture<Object> replace = CompletableFuture.supplyAsync(() -> {
                    try {
                        return s.replace("compute", null, "compute_v2", patch);
                    } catch (TfixException e) {
                        return e;
                    }
                });
                t.awaitLine("constructor begins");
                signal(t.pid(), "STOP");
                outcome = replace.get(30, TimeUnit.SECONDS);
                // Either the replace finished in the stopped process, or it was refused as stopped: never half.
                if (outcome instanceof TfixException e) {
                    assertEquals(Reason.TARGET_STOPPED, e.reason(), e.getMessage());
                }
                t.awaitLine("constructor ends");
                long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                while (!taskStates(t.pid()).stream().allMatch(c -> c == 'T' || c == 't') && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                assertTrue(taskStates(t.pid()).stream().allMatch(c -> c == 'T' || c == 't'),
                        "a thread runs in a process stopped by job control: " + taskStates(t.pid()));
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (t.state().orElse('?') != 'T' && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertEquals('T', t.state().orElse('?'), "tfix must leave a stopped process stopped");
            signal(t.pid(), "CONT");
            if (outcome instanceof Results.Replaced) {
                t.awaitLine("compute=1005 static=16");
            }
            long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (t.state().orElse('?') == 'T' && System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            assertTrue(taskStates(t.pid()).stream().noneMatch(c -> c == 'T' || c == 't'), "still stopped after SIGCONT");
            assertTrue(t.alive());
            assertFalse(t.traced());
        }
    }
}
