package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.guard.PatchStore;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/**
 * A target in its own mount namespace, where a private tmpfs puts another file at the patch's
 * path: the file tfix checks and hashes must be the one the target's dlopen opens, so tfix
 * refuses, loading nothing; a path both see works.
 */
class NamespaceTest extends EngineTest {
    @Test
    void aPatchTheTargetWouldSeeAsAnotherFileIsRefused(@TempDir Path dir) throws Exception {
        Path unshare = Path.of("/usr/bin/unshare");
        Assumptions.assumeTrue(Files.isExecutable(unshare), "util-linux's unshare is not installed");
        Path exe = Targets.exe("scorer.c");
        Path patch = Targets.patch("scorer_patch.c");
        Path hidden = Files.createDirectory(dir.resolve("hidden"));
        Path shared = Files.createDirectory(dir.resolve("shared"));
        Files.copy(patch, hidden.resolve("fix.so"));
        Files.copy(patch, shared.resolve("fix.so"));
        Path other = Targets.patch("corners_patch.c");
        // Inside its namespace, hidden/ is a fresh tmpfs holding another library under the same name; the patch
        // store is out of sight too, so tfix must load the user's file, and finds the target sees another.
        Path store = Files.createDirectories(PatchStore.standard(0).root());
        String inside = "mount -t tmpfs none " + hidden + " && cp " + other + " " + hidden.resolve("fix.so")
                + " && mount -t tmpfs none " + store + " && exec " + exe;
        try (RunningTarget t = RunningTarget.start(unshare, "-m", "--propagation", "private", "sh", "-c", inside)) {
            t.awaitLine("compute=40 static=16");
            try (TfixSession s = attach(t)) {
                TfixException e = assertThrows(TfixException.class,
                        () -> s.replace("compute", null, "compute_v2", hidden.resolve("fix.so")));
                assertEquals(Reason.BAD_PATCH_FILE, e.reason(), e.getMessage());
                assertTrue(e.getMessage().contains("sees another file"), e.getMessage());
                assertFalse(Targets.mapsMention(t.pid(), "fix.so"), "a patch was loaded");
                s.replace("compute", null, "compute_v2", shared.resolve("fix.so"));
            }
            t.awaitLine("compute=1005");
            assertTrue(t.alive());
            assertFalse(t.traced());
        }
    }

    /** With the patch store in sight, the target loads the store's copy: the very bytes tfix read and checked. */
    @Test
    void aTargetThatSeesTheStoreLoadsTheBytesTfixChecked(@TempDir Path dir) throws Exception {
        Path unshare = Path.of("/usr/bin/unshare");
        Assumptions.assumeTrue(Files.isExecutable(unshare), "util-linux's unshare is not installed");
        Path exe = Targets.exe("scorer.c");
        Path hidden = Files.createDirectory(dir.resolve("hidden"));
        Files.copy(Targets.patch("scorer_patch.c"), hidden.resolve("fix.so"));
        Path other = Targets.patch("corners_patch.c");
        String inside = "mount -t tmpfs none " + hidden + " && cp " + other + " " + hidden.resolve("fix.so") + " && exec " + exe;
        try (RunningTarget t = RunningTarget.start(unshare, "-m", "--propagation", "private", "sh", "-c", inside)) {
            t.awaitLine("compute=40 static=16");
            try (TfixSession s = attach(t)) {
                s.replace("compute", null, "compute_v2", hidden.resolve("fix.so"));
                String loaded = s.status().get(0).patchFile();
                assertTrue(loaded.startsWith(PatchStore.standard(0).root().toString()), loaded);
            }
            t.awaitLine("compute=1005");
            assertFalse(t.traced());
        }
    }
}
