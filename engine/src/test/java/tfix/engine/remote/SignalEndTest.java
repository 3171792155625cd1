package tfix.engine.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tfix.engine.process.ProcStatus;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/**
 * Calls that end with a signal the borrowed thread sends itself, run under PTRACE_CONT (SignalEnd), on real
 * targets: which signal is chosen, that the program never sees it, the fall-backs when the program catches or
 * blocks them all, a patch's constructor that meddles with the signal, and tfix killed in the middle of a call.
 */
class SignalEndTest {
    private static final long THE_THREE = bit(SignalEnd.SIGURG) | bit(SignalEnd.SIGWINCH) | bit(SignalEnd.SIGCHLD);

    @TempDir
    Path dir;
    /** The FIFO the target's reader thread reads. */
    private Path fifo;

    @Test
    void aPlainProgramsCallsEndWithSigurgWhichItNeverSees() throws IOException {
        try (RunningTarget t = start("plain")) {
            assertEquals(List.of(SignalEnd.SIGURG), choices(t));
            assertCallsWork(t, 30);
            assertUndisturbed(t, "ab");
        }
    }

    @Test
    void aProgramCatchingSigurgGetsSigwinchInstead() throws IOException {
        try (RunningTarget t = start("catch-urg")) {
            assertEquals(List.of(SignalEnd.SIGWINCH), choices(t));
            assertCallsWork(t, 30);
            assertUndisturbed(t, "cd");
        }
    }

    @Test
    void aProgramCatchingAllThreeFallsBackToTracedSystemCalls() throws IOException {
        try (RunningTarget t = start("catch-all")) {
            assertEquals(List.of(0), choices(t));
            assertCallsWork(t, 10);
            assertUndisturbed(t, "ef");
        }
    }

    @Test
    void threadsBlockingAllThreeFallBackAndKeepTheirMask() throws IOException {
        try (RunningTarget t = start("block-all")) {
            assertEquals(List.of(0), choices(t));
            assertCallsWork(t, 10);
            for (int tid : tids(t.pid())) {
                ProcStatus s = ProcStatus.ofTask(t.pid(), tid).orElseThrow();
                assertEquals(THE_THREE, s.blockedSignals() & THE_THREE, "thread " + tid + " still blocks them");
                assertEquals(0, s.pendingSignals() & THE_THREE, "nothing left pending in thread " + tid);
            }
            assertUndisturbed(t, "gh");
        }
    }

    /**
     * The constructor installs a SIGURG handler, raises SIGURG (the program's own: its handler runs once) and leaves
     * the three blocked in the loading thread: the dlopen still ends (the stub unblocks its signal around the
     * tgkill), tfix's own SIGURG never reaches the new handler, and later calls work.
     */
    @Test
    void aConstructorThatCatchesRaisesAndBlocksTheSignal() throws IOException {
        Path patch = Targets.patch("signal_end_patch.c");
        try (RunningTarget t = start("plain")) {
            long handled = Callers.with(t.pid(), caller -> {
                RemoteLibc libc = new RemoteLibc(caller);
                long handle = libc.dlopen(patch.toString(), 2 /* RTLD_NOW */);
                assertTrue(handle != 0, "dlopen failed: " + libc.dlerror());
                long fn = libc.call("dlsym", "dlsym", RemoteCaller.value(handle), RemoteCaller.string("urg_handled"));
                assertTrue(fn != 0);
                long n = caller.call("urg_handled", fn);
                assertEquals(4, caller.call("answer", Callers.function(caller, "answer"), RemoteCaller.value(3)));
                assertEquals(n, caller.call("urg_handled", fn), "no later call's end reached the handler");
                return n;
            });
            assertEquals(1, handled, "the constructor's own SIGURG reached its handler, tfix's never did");
            assertUndisturbed(t, "ij");
        }
    }

    /**
     * tfix is killed while the borrowed thread (the reader, taken out of its read()) runs a 1.5 s call under the new
     * path: the thread finishes the call untraced, its signal is discarded, its registers come back and its read
     * is issued again, so it reads what is written afterwards.
     */
    @Test
    void tfixKilledDuringACallLeavesTheThreadToFinishItAndReadOn() throws Exception {
        try (RunningTarget t = start("catch-urg")) {
            Process tfix = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), Callers.class.getName(),
                    Integer.toString(t.pid()), "1500").redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try {
                t.awaitLine("slow_call started", Duration.ofSeconds(60));
                assertTrue(t.traced(), "tfix waits for the call");
            } finally {
                tfix.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            t.awaitLine("slow_call done", Duration.ofSeconds(10));
            assertUndisturbed(t, "kl");
        }
    }

    private RunningTarget start(String mode) throws IOException {
        fifo = dir.resolve("fifo-" + mode);
        try {
            assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
        RunningTarget t = RunningTarget.start(Targets.exe("signal_end.c"), mode, fifo.toString());
        t.awaitLine("tick 1 ");
        return t;
    }

    /** The distinct signals chosen for each thread of the target. */
    private static List<Integer> choices(RunningTarget t) throws IOException {
        return tids(t.pid()).stream().map(tid -> SignalEnd.choose(t.pid(), tid)).distinct().toList();
    }

    private static void assertCallsWork(RunningTarget t, int calls) {
        long wrong = Callers.with(t.pid(), caller -> {
            long answer = Callers.function(caller, "answer");
            long n = 0;
            for (int i = 0; i < calls; i++) {
                n += caller.call("answer", answer, RemoteCaller.value(i)) == i + 1 ? 0 : 1;
                n += (int) caller.callLockFree("answer", answer, RemoteCaller.value(-i)) == 1 - i ? 0 : 1; // an int, in eax
            }
            return n;
        });
        assertEquals(0, wrong);
    }

    /**
     * Untraced, alive, ticking with no handler run, and the reader, whose read() calls may have borrowed, reads what
     * is written now.
     */
    private void assertUndisturbed(RunningTarget t, String text) throws IOException {
        assertFalse(awaitUntraced(t), "still traced");
        Files.writeString(fifo, text, StandardCharsets.US_ASCII, StandardOpenOption.WRITE);
        t.awaitLine("read " + text.length() + " " + text, Duration.ofSeconds(10));
        String last = t.awaitLine("tick \\d+ .*", Duration.ofSeconds(5));
        String next = t.awaitLine(l -> l.startsWith("tick") && !l.equals(last), Duration.ofSeconds(5));
        assertTrue(next.endsWith("urg=0 winch=0 chld=0"), next);
        assertTrue(t.alive());
        assertTrue(t.output().stream().noneMatch(l -> l.contains("error")), String.join("\n", t.output()));
    }

    private static boolean awaitUntraced(RunningTarget t) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (t.traced() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }
        return t.traced();
    }

    private static List<Integer> tids(int pid) throws IOException {
        List<Integer> tids = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("/proc", Integer.toString(pid), "task"))) {
            s.forEach(p -> tids.add(Integer.parseInt(p.getFileName().toString())));
        }
        return tids;
    }

    private static long bit(int sig) {
        return 1L << (sig - 1);
    }
}
