package tfix.engine.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import tfix.engine.elf.Demangler;
import tfix.engine.elf.ElfCache;
import tfix.engine.elf.ProcessSymbols;
import tfix.engine.process.ProcMemory;
import tfix.engine.process.TargetProcess;
import tfix.engine.ptrace.Ptrace;
import tfix.engine.ptrace.PtraceThread;
import tfix.engine.ptrace.Tracee;
import tfix.engine.sys.Mman;
import tfix.engine.sys.Native;
import tfix.engine.testing.CTargets;
import tfix.engine.testing.RunningTarget;

/**
 * Regression test for 6e0114f: the thread that ran the record's memfd chain goes back through the raw block's tail
 * (its registers restored, a jump to where it was). The block is written again at the session's end (the call
 * area's unmap, on another thread): that must wait until the chain's thread has left it. Here that thread is held
 * at the tail's first instruction (stopped before it runs any of it) when the unmap comes, so a write that does not
 * wait tears the code under it every time, not one run in a few; the target then runs garbage and dies or goes
 * astray.
 */
class ChainTailTest {
    @Test
    void theAreaIsUnmappedOnlyOnceTheChainsThreadLeftTheBlock() {
        var bin = CTargets.compile("sleeper.c", CTargets.resource("sleeper.c"));
        try (RunningTarget target = RunningTarget.start(bin)) {
            target.awaitLine("tick 1");
            List<Long> heldAt = new ArrayList<>();
            try (PtraceThread owner = new PtraceThread(target.pid())) {
                Native nat = new Native();
                owner.call(() -> {
                    TargetProcess proc = new TargetProcess(target.pid());
                    Tracee tracee = Tracee.attach(proc, new Ptrace(nat), owner);
                    try (ProcMemory mem = new ProcMemory(target.pid())) {
                        ProcessSymbols syms = ProcessSymbols.load(target.pid(), proc.maps(), proc::openableFile,
                                new ElfCache(), Demangler.load());
                        RemoteCaller caller = new RemoteCaller(tracee, mem, syms, Duration.ofSeconds(5));
                        caller.sendBack = (t, tid) -> {
                            // From the chain's last stop, an interrupt stops it before its first instruction after it.
                            t.stopThread(tid, Duration.ofSeconds(5));
                            heldAt.add(t.registers(tid).rip());
                        };
                        MappedMemfd made = caller.memfdMapping("tfix-tail-test", Mman.MFD_CLOEXEC, 1 << 16,
                                Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE).orElseThrow();
                        assertTrue(made.mapped(), made.toString());
                        caller.releaseArea(); // writes the raw block again (munmap), on another thread
                        return null;
                    } finally {
                        tracee.detach(); // lets a thread still held go
                    }
                });
            }
            assertEquals(1, heldAt.size(), "the chain's thread was held in the block's tail");
            String last = target.awaitLine("tick \\d+ ", Duration.ofSeconds(5));
            target.awaitLine(l -> l.startsWith("tick") && !l.equals(last), Duration.ofSeconds(5));
            assertTrue(target.alive(), "the target survived");
            assertFalse(target.traced());
            assertTrue(target.output().stream().noneMatch(l -> l.contains("short") || l.contains("error")
                    || l.contains("returned")), String.join("\n", target.output()));
        }
    }
}
