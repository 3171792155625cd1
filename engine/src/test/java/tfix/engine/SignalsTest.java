package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import tfix.engine.sys.Native;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/**
 * A signal sent every millisecond at threads parked in read, poll, pause and epoll_wait,
 * while tfix borrows those threads for remote calls and while it is merely attached: the
 * calls must end exactly as they would without tfix. SIGWINCH, ignored by default (or by
 * SIG_IGN), wakes nobody, so no EINTR at all; with an SA_RESTART handler, read restarts.
 */
class SignalsTest extends EngineTest {
    private static final int SIGWINCH = 28;
    private static final long SYS_TGKILL = 234;

    /** Sends SIGWINCH to the threads every millisecond until closed; counts what it sent. */
    private static final class Sender implements AutoCloseable {
        final AtomicInteger sent = new AtomicInteger();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Thread thread;

        Sender(Native nat, int pid, int[] tids) {
            thread = new Thread(() -> {
                while (!stop.get() && sent.get() < 100_000) {
                    for (int tid : tids) {
                        nat.libc().syscall(SYS_TGKILL, pid, tid, SIGWINCH);
                    }
                    sent.incrementAndGet();
                    LockSupport.parkNanos(1_000_000);
                }
            }, "sigwinch-sender");
            thread.setDaemon(true);
            thread.start();
        }

        void awaitSent(int more) {
            int target = sent.get() + more;
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (sent.get() < target && System.nanoTime() < deadline) {
                LockSupport.parkNanos(1_000_000);
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join();
        }
    }

    @ParameterizedTest(name = "{0} with SIGWINCH {1}")
    @CsvSource({"read, default", "poll, default", "pause, default", "epoll, default",
            "read, ignore", "poll, ignore", "pause, ignore", "epoll, ignore", "read, restart"})
    void aSignalArrivingMeanwhileEndsTheWaitAsWithoutTfix(String call, String disposition) throws Exception {
        Path exe = Targets.exe("waiters.c");
        try (RunningTarget t = RunningTarget.start(exe, call, disposition)) {
            // The ready line was consumed by the start; it is still in the output.
            Matcher ready = Pattern.compile("tids (\\d+) (\\d+)").matcher(t.output().get(0));
            assertTrue(ready.find());
            int[] tids = {Integer.parseInt(ready.group(1)), Integer.parseInt(ready.group(2))};
            try (Sender sender = new Sender(engine.nat(), t.pid(), tids)) {
                sender.awaitSent(20);
                // Borrowed: the waiting threads run tfix's calls while the signals keep coming.
                long wrong = RemoteCallTest.wrongAtoi(t, 40, 4242);
                assertEquals(0, wrong);
                // Attached and idle: every signal stops its thread for tfix to pass it on.
                try (TfixSession s = attach(t)) {
                    sender.awaitSent(200);
                    assertEquals(3, s.threadCount());
                }
                sender.awaitSent(20);
            }
            String last = t.awaitLine("alive \\d+");
            t.awaitLine(l -> l.startsWith("alive") && !l.equals(last), Duration.ofSeconds(5));
            List<String> eintr = t.output().stream().filter(l -> l.startsWith("EINTR")).toList();
            if (disposition.equals("restart")) {
                assertTrue(t.output().stream().anyMatch(l -> l.matches("alive \\d+ handled [1-9]\\d*")),
                        "the handler never ran: " + t.output());
            }
            assertEquals(List.of(), eintr, call + " with SIGWINCH " + disposition + " saw EINTR");
            assertTrue(t.alive());
            assertFalse(t.traced());
        }
    }
}
