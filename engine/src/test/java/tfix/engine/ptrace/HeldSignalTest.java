package tfix.engine.ptrace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;
import tfix.engine.process.TargetProcess;
import tfix.engine.sys.Native;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/**
 * A freeze holds no signal: if tfix were killed inside it, the kernel would detach every thread and drop a
 * signal tfix had collected from a thread but not yet passed on (TracerDeathTest's last case). The target's
 * 1 ms timer stops its thread for SIGALRM while nobody answers between freezes, so nearly every freeze
 * collects a signal stop on the way to its interrupt stop.
 */
class HeldSignalTest {
    @Test
    void aSignalCollectedDuringTheStopIsPassedOnBeforeTheFreezeCompletes() throws Exception {
        try (RunningTarget t = RunningTarget.start(Targets.exe("ticker.c"));
             PtraceThread owner = new PtraceThread(t.pid())) {
            t.awaitLine("^window 1 ", Duration.ofSeconds(20));
            Native nat = new Native();
            int[] passedOn = owner.call(() -> {
                Tracee tracee = Tracee.attach(new TargetProcess(t.pid()), new Ptrace(nat), owner);
                int held = 0;
                try {
                    for (int i = 0; i < 100; i++) {
                        LockSupport.parkNanos(2_000_000); // the timer fires: a signal stop waits for the tracer
                        tracee.stopAll(Duration.ofSeconds(5));
                        for (TracedThread th : tracee.threads.values()) {
                            assertTrue(th.stopped && (th.interruptStop || th.groupStop), "thread " + th.tid + " not in its stop");
                            held += th.pendingSignal != 0 ? 1 : 0;
                        }
                        tracee.resumeAll();
                    }
                } finally {
                    tracee.detach();
                }
                return new int[] {held};
            });
            assertEquals(0, passedOn[0], "freezes that ended holding a signal a tracer death would drop");
            // Every tick reached the handler: the windows keep coming, the gap stays far below a held signal's.
            t.awaitLine("^window [0-9]+ max_us=", Duration.ofSeconds(20));
            assertTrue(t.alive());
        }
    }
}
