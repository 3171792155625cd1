package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import tfix.engine.testing.Await;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.Targets;

/** What a borrowed thread must find unchanged after tfix ran code on it. */
class KeptStateTest extends EngineTest {

    @Test
    void errnoIsTheSameAfterTheThreadLoadedAPatch() throws Exception {
        Path exe = Targets.exe("errno_keeper.c");
        Path patch = Targets.patch("errno_patch.c");
        live(exe, "compute=40", (t, s) -> {
            t.awaitLine("watch \\d+ errno=4242");
            s.replace("compute", null, "compute_v2", patch);
            t.awaitLine("compute=1005");
            // Two reports after the load: the watcher has been through its check since.
            t.awaitLine("watch \\d+ errno=");
            t.awaitLine("watch \\d+ errno=");
        }, t -> {
            assertTrue(t.alive());
            assertFalse(t.traced());
            assertTrue(t.output().stream().noneMatch(l -> l.startsWith("errno changed")),
                    "the borrowed thread saw errno change: " + t.output().stream().filter(l -> l.startsWith("errno")).toList());
        });
    }

    @Test
    void aReadMadeWithInt0x80WaitsOnThroughStopsAndBorrowing() throws Exception {
        Path exe = Targets.exe("int80_reader.c");
        Path patch = Targets.patch("scorer_patch.c");
        live(exe, "compute=40", (t, s) -> {
            // The reader thread says so on its own, before or after the main thread's first result: look in all output.
            Await.until(Duration.ofSeconds(10), () -> t.output().stream().anyMatch(l -> l.startsWith("reading via int 0x80 tid=")));
            String tid = t.output().stream().filter(l -> l.startsWith("reading via int 0x80 tid=")).findFirst().orElseThrow()
                    .replaceAll(".*tid=", "");
            Path syscall = Path.of("/proc", Integer.toString(t.pid()), "task", tid, "syscall");
            // Blocked in the kernel in ia32 read (3), not merely about to call it.
            Await.until(Duration.ofSeconds(10), () -> Files.readString(syscall).startsWith("3 "));
            s.replace("compute", null, "compute_v2", patch);
            t.awaitLine("compute=1005");
            s.revert("compute");
            t.awaitLine("compute=40");
        }, t -> {
            assertTrue(t.awaitLine("read32 returned").equals("read32 returned 1 byte=x"), t.output().toString());
            assertTrue(t.alive());
            assertFalse(t.traced());
        });
    }

    @Test
    void aThreadBorrowedInA32BitSleepSleepsOnWithoutAnError() throws Exception {
        Path exe = Targets.exe("int80_sleeper.c");
        Path patch = Targets.patch("scorer_patch.c");
        live(exe, "compute=40", (t, s) -> {
            for (int i = 0; i < 3; i++) { // the one thread is borrowed mid-sleep, again and again
                s.replace("compute", null, "compute_v2", patch);
                t.awaitLine("compute=1005");
                s.revert("compute");
                t.awaitLine("compute=40");
            }
        }, t -> {
            assertTrue(t.output().stream().noneMatch(l -> l.startsWith("nanosleep32")), t.output().toString());
            assertTrue(t.alive());
            assertFalse(t.traced());
        });
    }
}
