package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import tfix.engine.elf.Demangler;
import tfix.engine.elf.ElfCache;
import tfix.engine.elf.ProcessSymbols;
import tfix.engine.process.ProcMemory;
import tfix.engine.process.TargetProcess;
import tfix.engine.ptrace.Ptrace;
import tfix.engine.ptrace.PtraceThread;
import tfix.engine.ptrace.Tracee;
import tfix.engine.remote.RemoteCaller;
import tfix.engine.remote.RemoteLibc;
import tfix.engine.sys.Native;
import tfix.engine.testing.CTargets;
import tfix.engine.testing.RunningTarget;

class RemoteCallTest {
    interface Calls<T> {
        T run(RemoteCaller caller);
    }

    /** Attaches to the target on its own ptrace thread, runs the calls, detaches. */
    static <T> T withCaller(RunningTarget target, Calls<T> calls) {
        try (PtraceThread owner = new PtraceThread(target.pid())) {
            Native nat = new Native();
            return owner.call(() -> {
                TargetProcess proc = new TargetProcess(target.pid());
                Tracee tracee = Tracee.attach(proc, new Ptrace(nat), owner);
                try (ProcMemory mem = new ProcMemory(target.pid())) {
                    ProcessSymbols syms = ProcessSymbols.load(target.pid(), proc.maps(), proc::openableFile, new ElfCache(), Demangler.load());
                    return calls.run(new RemoteCaller(tracee, mem, syms, Duration.ofSeconds(5)));
                } finally {
                    tracee.detach();
                }
            });
        }
    }

    static long atoi(RemoteCaller caller, String text) {
        return new RemoteLibc(caller).call("atoi", "atoi", RemoteCaller.string(text));
    }

    /** How many of {@code calls} remote atoi calls on the text of {@code value} return something else. */
    static long wrongAtoi(RunningTarget target, int calls, int value) {
        return withCaller(target, caller -> {
            long n = 0;
            for (int i = 0; i < calls; i++) {
                n += atoi(caller, Integer.toString(value)) == value ? 0 : 1;
            }
            return n;
        });
    }

    /** Waits for a "round" line, then for the next, different one: the target goes on. */
    static void awaitNextRound(RunningTarget target, Duration timeout) {
        String last = target.awaitLine("round \\d+");
        target.awaitLine(l -> l.startsWith("round") && !l.equals(last), timeout);
    }

    @Test
    void callsIntoTargetWithoutDisturbingBlockedThreads() {
        var bin = CTargets.compile("sleeper.c", CTargets.resource("sleeper.c"));
        try (RunningTarget target = RunningTarget.start(bin)) {
            target.awaitLine("tick 1");
            long result = withCaller(target, caller -> {
                long n = 0;
                long t0 = System.nanoTime();
                for (int i = 0; i < 20; i++) {
                    n = atoi(caller, "12345");
                }
                System.out.printf("remote call: %.3f ms each (atoi, 20 calls)%n", (System.nanoTime() - t0) / 20e6);
                return n;
            });
            assertEquals(12345, result);
            target.awaitLine("tick " + 6);
            assertFalse(target.traced());
            assertTrue(target.alive());
            assertTrue(target.output().stream().noneMatch(l -> l.contains("short") || l.contains("error") || l.contains("returned")),
                    String.join("\n", target.output()));
        }
    }

    /** The main thread keeps creating threads: a call must never borrow it half-way through clone(). */
    @Test
    void callsWhileThreadsAreBorn() {
        var bin = tfix.engine.testing.Targets.exe("spawner.c");
        try (RunningTarget target = RunningTarget.start(bin)) {
            target.awaitLine("round 500");
            assertEquals(0, wrongAtoi(target, 100, 777));
            awaitNextRound(target, Duration.ofSeconds(10));
            assertTrue(target.alive());
            assertFalse(target.traced());
        }
    }

    /** Calls borrow the only thread mid-loop; it checks its registers on every iteration. */
    @Test
    void everyRegisterIsPutBack() {
        var bin = tfix.engine.testing.Targets.exe("registers.c", "-mavx2");
        try (RunningTarget target = RunningTarget.start(bin)) {
            target.awaitLine("round 0 ok");
            assertEquals(0, wrongAtoi(target, 200, 42));
            awaitNextRound(target, Duration.ofSeconds(20));
            assertTrue(target.output().stream().noneMatch(l -> l.contains("BAD")), String.join("\n", target.output()));
            assertFalse(target.traced());
        }
    }
}
