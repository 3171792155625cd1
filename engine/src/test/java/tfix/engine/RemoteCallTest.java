package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import tfix.engine.elf.Demangler;
import tfix.engine.elf.ElfCache;
import tfix.engine.elf.ProcessSymbols;
import tfix.engine.process.TargetProcess;
import tfix.engine.ptrace.ProcMemory;
import tfix.engine.ptrace.Ptrace;
import tfix.engine.ptrace.PtraceThread;
import tfix.engine.ptrace.Tracee;
import tfix.engine.remote.RemoteCaller;
import tfix.engine.sys.Native;
import tfix.engine.testing.CTargets;
import tfix.engine.testing.RunningTarget;

class RemoteCallTest {

    @Test
    void callsIntoTargetWithoutDisturbingBlockedThreads() {
        var bin = CTargets.compile("sleeper.c", CTargets.resource("sleeper.c"));
        try (RunningTarget target = RunningTarget.start(bin); PtraceThread owner = new PtraceThread(target.pid())) {
            target.awaitLine("tick 1");
            Native nat = new Native();
            long result = owner.call(() -> {
                TargetProcess proc = new TargetProcess(target.pid());
                Tracee tracee = Tracee.attach(proc, new Ptrace(nat), owner);
                try (ProcMemory mem = new ProcMemory(target.pid())) {
                    ProcessSymbols syms = ProcessSymbols.load(target.pid(), proc.maps(), proc::openableFile, new ElfCache(), Demangler.load());
                    RemoteCaller caller = new RemoteCaller(tracee, mem, syms, Duration.ofSeconds(5));
                    long n = 0;
                    for (int i = 0; i < 20; i++) {
                        n = caller.call("atoi", caller.libcFunction("atoi"), RemoteCaller.string("12345"));
                    }
                    return n;
                } finally {
                    tracee.detach();
                }
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
        try (RunningTarget target = RunningTarget.start(bin); PtraceThread owner = new PtraceThread(target.pid())) {
            target.awaitLine("round 500");
            Native nat = new Native();
            long bad = owner.call(() -> {
                TargetProcess proc = new TargetProcess(target.pid());
                Tracee tracee = Tracee.attach(proc, new Ptrace(nat), owner);
                try (ProcMemory mem = new ProcMemory(target.pid())) {
                    ProcessSymbols syms = ProcessSymbols.load(target.pid(), proc.maps(), proc::openableFile, new ElfCache(), Demangler.load());
                    RemoteCaller caller = new RemoteCaller(tracee, mem, syms, Duration.ofSeconds(5));
                    long wrong = 0;
                    for (int i = 0; i < 100; i++) {
                        if (caller.call("atoi", caller.libcFunction("atoi"), RemoteCaller.string("777")) != 777) {
                            wrong++;
                        }
                    }
                    return wrong;
                } finally {
                    tracee.detach();
                }
            });
            assertEquals(0, bad);
            String last = target.awaitLine("round \\d+");
            target.awaitLine(l -> l.startsWith("round") && !l.equals(last), Duration.ofSeconds(10));
            assertTrue(target.alive());
            assertFalse(target.traced());
        }
    }

    /** Calls borrow the only thread mid-loop; it checks its registers on every iteration. */
    @Test
    void everyRegisterIsPutBack() {
        var bin = tfix.engine.testing.Targets.exe("registers.c", "-mavx2");
        try (RunningTarget target = RunningTarget.start(bin); PtraceThread owner = new PtraceThread(target.pid())) {
            target.awaitLine("round 0 ok");
            Native nat = new Native();
            owner.run(() -> {
                TargetProcess proc = new TargetProcess(target.pid());
                Tracee tracee = Tracee.attach(proc, new Ptrace(nat), owner);
                try (ProcMemory mem = new ProcMemory(target.pid())) {
                    ProcessSymbols syms = ProcessSymbols.load(target.pid(), proc.maps(), proc::openableFile, new ElfCache(), Demangler.load());
                    RemoteCaller caller = new RemoteCaller(tracee, mem, syms, Duration.ofSeconds(5));
                    for (int i = 0; i < 200; i++) {
                        assertEquals(42, caller.call("atoi", caller.libcFunction("atoi"), RemoteCaller.string("42")));
                    }
                } finally {
                    tracee.detach();
                }
            });
            String last = target.awaitLine("round \\d+");
            target.awaitLine(l -> l.startsWith("round") && !l.equals(last), Duration.ofSeconds(20));
            assertTrue(target.output().stream().noneMatch(l -> l.contains("BAD")), String.join("\n", target.output()));
            assertFalse(target.traced());
        }
    }
}
