package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import tfix.engine.process.Maps;
import tfix.engine.process.MemoryMap;
import tfix.engine.process.ProcMemory;
import tfix.engine.remote.MappedMemfd;
import tfix.engine.sys.Mman;
import tfix.engine.testing.CTargets;
import tfix.engine.testing.RunningTarget;

/** The record's memfd made, sized, mapped and closed by one borrowed thread in one go (RemoteCaller.memfdMapping). */
class MemfdMappingTest {
    private static final int RW = Mman.PROT_READ | Mman.PROT_WRITE;

    @Test
    void madeMappedAndClosedInOneGoWhileEveryThreadRunsOn() throws IOException {
        var bin = CTargets.compile("sleeper.c", CTargets.resource("sleeper.c"));
        try (RunningTarget target = RunningTarget.start(bin)) {
            target.awaitLine("tick 1");
            MappedMemfd made = RemoteCallTest.withCaller(target, caller -> caller.memfdMapping("tfix-chain-test",
                    Mman.MFD_CLOEXEC, 1 << 20, RW, Mman.MAP_PRIVATE).orElseThrow());
            assertTrue(made.fd() >= 0, made.toString());
            assertEquals(0, made.truncated(), made.toString());
            assertTrue(made.mapped(), made.toString());
            assertEquals(0, made.closed(), made.toString());
            MemoryMap m = mapping(target.pid(), "tfix-chain-test");
            assertEquals(made.address(), m.start());
            assertEquals(1 << 20, m.size());
            assertTrue(m.perms().startsWith("rw"), m.perms());
            assertFalse(fdOpen(target.pid(), "tfix-chain-test"), "the chain closes its descriptor");
            try (ProcMemory memory = new ProcMemory(target.pid())) {
                byte[] text = "written".getBytes(StandardCharsets.US_ASCII);
                memory.write(made.address() + (1 << 20) - text.length, text); // the last bytes: the file was sized
                assertArrayEquals(text, memory.read(made.address() + (1 << 20) - text.length, text.length));
            }
            assertUndisturbed(target);
        }
    }

    @Test
    void aFailedStepMakesTheLaterOnesFailAndLeavesNothing() throws IOException {
        var bin = CTargets.compile("sleeper.c", CTargets.resource("sleeper.c"));
        try (RunningTarget target = RunningTarget.start(bin)) {
            target.awaitLine("tick 1");
            // A negative length: ftruncate refuses it (EINVAL), so mmap and the record are never made.
            MappedMemfd made = RemoteCallTest.withCaller(target, caller -> caller.memfdMapping("tfix-chain-bad",
                    Mman.MFD_CLOEXEC, -1, RW, Mman.MAP_PRIVATE).orElseThrow());
            assertTrue(made.fd() >= 0, made.toString());
            assertTrue(made.truncated() < 0, made.toString());
            assertFalse(made.mapped(), made.toString());
            assertFalse(Maps.read(target.pid()).entries().stream().anyMatch(m -> m.path().contains("tfix-chain-bad")));
            assertFalse(fdOpen(target.pid(), "tfix-chain-bad"), "the chain closes its descriptor on failure too");
            assertUndisturbed(target);
        }
    }

    private static MemoryMap mapping(int pid, String name) {
        return Maps.read(pid).entries().stream().filter(m -> m.path().startsWith("/memfd:" + name)).findFirst()
                .orElseThrow(() -> new AssertionError("no mapping of memfd " + name));
    }

    private static boolean fdOpen(int pid, String name) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Integer.toString(pid), "fd"))) {
            return fds.anyMatch(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().contains(name);
                } catch (IOException e) {
                    return false; // closed meanwhile
                }
            });
        }
    }

    /** Untraced, alive, no thread's blocking call or sleep disturbed, and calls into it still work. */
    private static void assertUndisturbed(RunningTarget target) {
        assertFalse(target.traced());
        assertTrue(target.alive());
        assertTrue(target.output().stream().noneMatch(l -> l.contains("short") || l.contains("error") || l.contains("returned")),
                String.join("\n", target.output()));
        assertEquals(0, RemoteCallTest.wrongAtoi(target, 3, 4321), "remote calls still work after the chain");
        int last = target.output().stream().filter(l -> l.startsWith("tick")).mapToInt(MemfdMappingTest::tick).max().orElse(0);
        target.awaitLine(l -> l.startsWith("tick") && tick(l) > last, Duration.ofSeconds(10)); // the main thread goes on
    }

    private static int tick(String line) {
        return Integer.parseInt(line.split(" ")[1]);
    }
}
