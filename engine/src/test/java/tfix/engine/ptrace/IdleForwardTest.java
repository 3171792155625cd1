package tfix.engine.ptrace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

import tfix.engine.process.ProcStatus;
import tfix.engine.process.TargetProcess;
import tfix.engine.testing.Await;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/**
 * While tfix is attached and idle, every signal to the target stops its thread until the tracer passes it on.
 * Here the target's main thread takes SIGALRM from a 1 ms timer and a queued SIGRTMIN every 1 ms carrying its
 * sequence number, while the Java side of the tracer thread is held as a JVM pause would hold it
 * ({@link IdlePause}): the counts keep rising (the native idle loop passes the signals on without Java), and
 * afterwards every queued signal has arrived exactly once, in order. With {@code -Dtfix.idle=java} (the Java pump
 * every 1 ms) the counts stop rising while held and the first test fails.
 */
class IdleForwardTest extends EngineTest {
    private static final int SIGUSR2 = 12;
    private static final Pattern FIELD = Pattern.compile("(\\w+)=(\\d+)");

    private record Counts(long alarms, long sent, long got, long disorder) {
        static Counts of(String line) {
            Map<String, Long> f = new HashMap<>();
            Matcher m = FIELD.matcher(line);
            while (m.find()) {
                f.put(m.group(1), Long.parseLong(m.group(2)));
            }
            if (!f.keySet().containsAll(List.of("alarms", "sent", "got", "disorder"))) {
                throw new AssertionError("not a count line: " + line);
            }
            return new Counts(f.get("alarms"), f.get("sent"), f.get("got"), f.get("disorder"));
        }
    }

    /**
     * The loop passes signals on itself only in a round begun while every thread is meant to run; on a loaded host a
     * stop from the attach may still be pending, and that round hands each status to Java, which the test then holds.
     * Each call here queues a task, so the next round starts after it: once one sees every thread running, so does that
     * round (failed once at load 45-100: the counts froze for the whole hold).
     */
    private static void awaitEveryThreadRunning(PtraceThread thread, Tracee tracee) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!thread.call(() -> !tracee.frozen && tracee.hold == null && tracee.threads.values().stream()
                .allMatch(x -> x.wantRunning && !x.awaitingTrap && !x.stopped))) {
            assertTrue(System.nanoTime() < deadline, "a thread of the target stayed stopped after the attach");
            Thread.onSpinWait();
        }
    }

    @Test
    @Disabled("flaky in clean CI runs (1 of 3 since the stray-stop fix): the counts freeze from the start while Java is"
            + " held, so some status still reaches the held Java side; to find before it runs again")
    void signalsFlowWhileTheTracersJavaSideIsHeldAndArriveExactlyOnceInOrder() {
        try (RunningTarget t = RunningTarget.start(Targets.exe("signal_stream.c"))) {
            PtraceThread thread = new PtraceThread(t.pid());
            Tracee tracee = thread.call(() -> Tracee.attach(new TargetProcess(t.pid()), new Ptrace(engine.nat()), thread));
            try {
                thread.forwardWhileIdle(tracee);
                Counts start = Counts.of(t.awaitLine("count .*"));
                awaitEveryThreadRunning(thread, tracee);
                IdlePause.hold();
                try {
                    Counts held = Counts.of(t.awaitLine("count .*"));
                    // 300 more of each while the tracer's Java side is held: about 0.3 s of signals; 20 s allowed.
                    String later = t.awaitLine(l -> l.startsWith("count") && Counts.of(l).alarms() >= held.alarms() + 300
                            && Counts.of(l).got() >= held.got() + 300, Duration.ofSeconds(20));
                    assertTrue(Counts.of(later).got() > start.got());
                    assertTrue(t.traced(), "the target must still be traced while the counts rose");
                } finally {
                    IdlePause.release();
                }
                assertEquals(3, (int) thread.call(tracee::threadCount));
            } finally {
                try {
                    thread.run(() -> {
                        thread.whileIdle(null);
                        tracee.detach();
                    });
                } finally {
                    thread.close();
                }
            }
            assertFalse(t.traced());
            assertEquals(0, engine.nat().libc().kill(t.pid(), SIGUSR2));
            Counts done = Counts.of(t.awaitLine("done .*"));
            assertTrue(done.sent() > 300, "sent " + done.sent());
            assertEquals(done.sent(), done.got(), "every queued signal arrives once: none lost, none added");
            assertEquals(0, done.disorder(), "queued signals arrive in the order sent");
        }
    }

    @Test
    void aJobControlStopHoldsTheProcessAndSigcontLetsItGoOnAsWithoutTfix() {
        // SIGSTOP's delivery is passed on natively; the group-stop that follows is a status the native loop hands
        // to Java (PTRACE_LISTEN: the process stays stopped, as without tfix) while it keeps listening; SIGCONT
        // ends it. The stream of signals goes on after, exactly.
        try (RunningTarget t = RunningTarget.start(Targets.exe("signal_stream.c"))) {
            PtraceThread thread = new PtraceThread(t.pid());
            Tracee tracee = thread.call(() -> Tracee.attach(new TargetProcess(t.pid()), new Ptrace(engine.nat()), thread));
            try {
                thread.forwardWhileIdle(tracee);
                assertEquals(0, engine.nat().libc().kill(t.pid(), 19)); // SIGSTOP
                TargetProcess process = new TargetProcess(t.pid());
                // Every thread stopped, the two that never take a signal too: the group-stop, not a signal's stop.
                Await.until(Duration.ofSeconds(20), () -> process.threadIds().stream().allMatch(tid ->
                        ProcStatus.ofTask(t.pid(), tid).map(st -> st.state() == 't' || st.state() == 'T').orElse(false)));
                assertEquals(0, engine.nat().libc().kill(t.pid(), 18)); // SIGCONT
                Counts before = Counts.of(t.awaitLine("count .*"));
                t.awaitLine(l -> l.startsWith("count") && Counts.of(l).got() >= before.got() + 100, Duration.ofSeconds(20));
            } finally {
                try {
                    thread.run(() -> {
                        thread.whileIdle(null);
                        tracee.detach();
                    });
                } finally {
                    thread.close();
                }
            }
            assertFalse(t.traced());
            assertEquals(0, engine.nat().libc().kill(t.pid(), SIGUSR2));
            Counts done = Counts.of(t.awaitLine("done .*"));
            assertEquals(done.sent(), done.got());
            assertEquals(0, done.disorder());
        }
    }
}
