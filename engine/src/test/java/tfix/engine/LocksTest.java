package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/**
 * A patch is loaded by the target's own dlopen, which takes malloc's arena lock: a thread
 * stopped in mmap inside malloc (holding its arena) must never be the one borrowed for it,
 * or the target deadlocks for good. Twenty patches, each a file of its own so each is a real
 * dlopen, are loaded while four threads hammer malloc and free: glibc's, jemalloc's and
 * tcmalloc's (preloaded, as services run them).
 */
class LocksTest extends EngineTest {
    /**
     * Every thread is inside malloc or free most of the time: a borrow that ignored the arena lock would hang, say,
     * one load in two, and twenty loads would all miss it with a chance of about one in a million. Fifty (before)
     * took 50-90 s for the three allocators.
     */
    static final int PATCHES = 20;

    @ParameterizedTest(name = "malloc from {0}")
    @ValueSource(strings = {"glibc", "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2",
            "/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4"})
    void twentyPatchesLoadWhileEveryThreadHammersMalloc(String allocator, @TempDir Path dir) throws Exception {
        Path exe = Targets.exe("mallocer.c");
        Path patch = Targets.patch("mallocer_patch.c");
        boolean glibc = allocator.equals("glibc");
        // test.sh installs jemalloc and tcmalloc (libjemalloc2, libtcmalloc-minimal4)
        Assumptions.assumeTrue(glibc || Files.exists(Path.of(allocator)), allocator + " is not installed");
        try (RunningTarget t = glibc ? RunningTarget.start(exe) : RunningTarget.start(exe, allocator)) {
            if (!glibc) {
                assertTrue(Targets.mapsMention(t.pid(), Path.of(allocator).getFileName().toString()), "not preloaded");
            }
            t.awaitLine("round \\d+ work=42");
            try (TfixSession s = attach(t)) {
                for (int i = 0; i < PATCHES; i++) {
                    Path copy = dir.resolve("libfix_" + i + ".so");
                    Files.copy(patch, copy);
                    s.replace("work", null, "work_v2", copy);
                    t.awaitLine("round \\d+ work=1042", Duration.ofSeconds(10));
                    s.revert("work");
                    t.awaitLine("round \\d+ work=42", Duration.ofSeconds(10));
                }
            }
            String last = t.awaitLine("round \\d+");
            t.awaitLine(l -> l.startsWith("round") && !l.equals(last), Duration.ofSeconds(5));
            assertTrue(t.alive());
            assertFalse(t.traced());
        }
    }
}
