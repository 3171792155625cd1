package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;

import org.junit.jupiter.api.Test;
import tfix.engine.apply.Applier;
import tfix.engine.apply.Write;
import tfix.engine.elf.FunctionRef;
import tfix.engine.elf.ProcessSymbols;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.process.ProcMemory;
import tfix.engine.process.TargetProcess;
import tfix.engine.ptrace.Ptrace;
import tfix.engine.ptrace.PtraceThread;
import tfix.engine.ptrace.Tracee;
import tfix.engine.sys.Native;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/**
 * The Java write's rollback (review A2), in a real stop of a real process: every site written is put back, also
 * past one whose first put-back fails, and "nothing changed" or "rolled back" is never said of a torn site. The
 * kernel cannot be made to fail a /proc/PID/mem write on demand, so chosen writes through the real file fail here.
 */
class RollbackTest extends EngineTest {
    /** A 5-byte nop: harmless where a test leaves it, since nobody calls these functions. */
    private static final byte[] NOP5 = {0x0f, 0x1f, 0x44, 0x00, 0x00};

    @Test
    void aFailedPutBackIsTriedAgainAndTheLaterSitesStillGoBack() throws Exception {
        // site_c's write fails; putting site_a back fails once: site_b and site_c must go back all the same.
        try (RunningTarget t = RunningTarget.start(Targets.exe("three_sites.c"))) {
            List<Write> writes = writes(t);
            RuntimeException e = applyFailing(t, writes, (w, nth) -> w == writes.get(2) && nth == 1
                    || w == writes.get(0) && nth == 2);
            assertTrue(e.getMessage().contains(String.format("cannot write 5 bytes at %#x", writes.get(2).address())),
                    "the first failure is the one thrown: " + e);
            assertEquals(1, e.getSuppressed().length, "the failed put-back is kept with it");
            for (Write w : writes) {
                assertArrayEquals(w.before(), Targets.peek(t.pid(), w.address(), 5), w.function() + " was not put back");
            }
            assertTrue(t.alive());
            assertFalse(t.traced());
        }
    }

    @Test
    void aSiteThatWillNotGoBackIsNamedAndTheOthersGoBack() throws Exception {
        try (RunningTarget t = RunningTarget.start(Targets.exe("three_sites.c"))) {
            List<Write> writes = writes(t);
            RuntimeException e = applyFailing(t, writes, (w, nth) -> w == writes.get(2) && nth == 1
                    || w == writes.get(0) && nth >= 2);
            TfixException te = assertInstanceOfTfix(e);
            assertEquals(Reason.UNSAFE_SITE, te.reason());
            assertTrue(te.getMessage().matches("cannot write 5 bytes at 0x[0-9a-f]+ in pid \\d+; putting the bytes back"
                    + " failed too for site_a at 0x[0-9a-f]+ \\(0f 1f 44 00 00 instead of [0-9a-f ]+\\): the code there is"
                    + " torn.*"), te.getMessage());
            assertFalse(te.getMessage().contains("nothing was changed"), te.getMessage());
            assertArrayEquals(NOP5, Targets.peek(t.pid(), writes.get(0).address(), 5));
            assertArrayEquals(writes.get(1).before(), Targets.peek(t.pid(), writes.get(1).address(), 5));
            assertArrayEquals(writes.get(2).before(), Targets.peek(t.pid(), writes.get(2).address(), 5));
            assertTrue(t.alive());
            assertFalse(t.traced());
        }
    }

    private static TfixException assertInstanceOfTfix(RuntimeException e) {
        assertTrue(e instanceof TfixException, "expected a TfixException: " + e);
        return (TfixException) e;
    }

    private static List<Write> writes(RunningTarget t) {
        List<Write> writes = new ArrayList<>();
        try (TfixSession s = attach(t)) {
            for (String name : List.of("site_a", "site_b", "site_c")) {
                FunctionRef f = s.symbols().resolve(name, null, List.of());
                byte[] now = Targets.peek(t.pid(), f.address(), 5);
                writes.add(new Write(name, f.address(), now, NOP5, f.address(), f.symbol().size(), true));
            }
        }
        return writes;
    }

    /** Applies the writes the Java way, the nth write (from 1) of a site failing where {@code fails} says. */
    private static RuntimeException applyFailing(RunningTarget t, List<Write> writes, BiPredicate<Write, Integer> fails)
            throws Exception {
        System.setProperty("tfix.freeze", "java"); // the native write has its own descriptor
        try (PtraceThread owner = new PtraceThread(t.pid());
             ProcMemory memory = new ProcMemory(t.pid(), new FailingWrites(t.pid(), writes, fails))) {
            return owner.call(() -> {
                Tracee tracee = Tracee.attach(new TargetProcess(t.pid()), new Ptrace(new Native()), owner);
                try {
                    Applier applier = new Applier(tracee, memory, new ProcessSymbols(t.pid(), List.of(), null),
                            Duration.ofMillis(500), false, () -> false);
                    return assertThrows(RuntimeException.class, () -> applier.apply(writes));
                } finally {
                    tracee.detach();
                }
            });
        } finally {
            System.clearProperty("tfix.freeze");
        }
    }

    /** The process's memory file, with chosen writes failing as a failing pwrite would. */
    private static final class FailingWrites implements ProcMemory.Access {
        private final FileChannel mem;
        private final List<Write> writes;
        private final BiPredicate<Write, Integer> fails;
        private final Map<Long, Integer> counts = new HashMap<>();

        FailingWrites(int pid, List<Write> writes, BiPredicate<Write, Integer> fails) throws IOException {
            this.mem = FileChannel.open(Path.of("/proc", Integer.toString(pid), "mem"), StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            this.writes = writes;
            this.fails = fails;
        }

        @Override
        public int read(ByteBuffer into, long address) throws IOException {
            return mem.read(into, address);
        }

        @Override
        public int write(ByteBuffer from, long address) throws IOException {
            int nth = counts.merge(address, 1, Integer::sum);
            for (Write w : writes) {
                if (w.address() == address && fails.test(w, nth)) {
                    throw new IOException("write " + nth + " of " + w.function() + " made to fail");
                }
            }
            return mem.write(from, address);
        }

        @Override
        public void close() throws IOException {
            mem.close();
        }
    }
}
