package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tfix.engine.guard.FileDigest;
import tfix.engine.process.Maps;
import tfix.engine.process.MemoryMap;
import tfix.engine.record.AppliedPatch;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.guard.PatchStore;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/**
 * Targets in their own mount namespace (a container's view): where the patch's path means another file, or
 * none, tfix hands the target a memfd copy of the bytes it checked; the record names the user's file, and a
 * later run finds the copy loaded (status, verify, revert, replace again without loading it twice).
 */
class NamespaceTest extends EngineTest {
    private static final Path UNSHARE = Path.of("/usr/bin/unshare");

    @BeforeEach
    void needsUnshare() {
        Assumptions.assumeTrue(Files.isExecutable(UNSHARE), "util-linux's unshare is not installed");
    }

    @Test
    void aPatchTheTargetWouldSeeAsAnotherFileIsHandedOverAsACopy(@TempDir Path dir) throws Exception {
        Path exe = Targets.exe("scorer.c");
        Path patch = Targets.patch("scorer_patch.c");
        Path hidden = Files.createDirectory(dir.resolve("hidden"));
        Path shared = Files.createDirectory(dir.resolve("shared"));
        Files.copy(patch, hidden.resolve("fix.so"));
        Files.copy(patch, shared.resolve("shared_fix.so")); // same bytes, another name: not the copy's

        Path other = Targets.patch("corners_patch.c");
        // Inside its namespace, hidden/ is a fresh tmpfs holding another library under the same name; the patch
        // store is out of sight too, so tfix must hand the target the user's file.
        Path store = Files.createDirectories(PatchStore.standard(0).root());
        String inside = "mount -t tmpfs none " + hidden + " && cp " + other + " " + hidden.resolve("fix.so")
                + " && mount -t tmpfs none " + store + " && exec " + exe;
        try (RunningTarget t = RunningTarget.start(UNSHARE, "-m", "--propagation", "private", "sh", "-c", inside)) {
            t.awaitLine("compute=40 static=16");
            try (TfixSession s = attach(t)) {
                Results.Replaced r = s.replace("compute", null, "compute_v2", hidden.resolve("fix.so"));
                assertTrue(r.libraryLoaded(), r.toString());
                assertEquals(List.of(copyName(hidden.resolve("fix.so"))), copies(t.pid()));
                assertFalse(Targets.mapsMention(t.pid(), hidden.resolve("fix.so").toString()), "the target's own fix.so was loaded");
                // A path both see is loaded by that path, as outside any namespace.
                assertTrue(s.replace("compute_static", null, "compute_static_v2", shared.resolve("shared_fix.so")).libraryLoaded());
                assertTrue(Targets.mapsMention(t.pid(), shared.resolve("shared_fix.so").toString()));
            }
            t.awaitLine("compute=1005 static=2005");
            assertTrue(t.alive());
            assertFalse(t.traced());
        }
    }

    @Test
    void aContainerThatSeesNeitherPathIsPatchedVerifiedAndRevertedByLaterRuns(@TempDir Path dir) throws Exception {
        Path exe = Targets.exe("scorer.c");
        Path patch = Files.copy(Targets.patch("scorer_patch.c"), dir.resolve("fix.so"));
        // The namespace's tmpfs over dir hides the patch; the program runs from a path only the namespace has.
        Path app = dir.resolve("app").resolve("scorer");
        Path store = Files.createDirectories(PatchStore.standard(0).root()); // out of its sight too
        String inside = "mount -t tmpfs none " + dir + " && mount -t tmpfs none " + store + " && mkdir " + app.getParent()
                + " && cp " + exe + " " + app + " && exec " + app;
        try (RunningTarget t = RunningTarget.start(UNSHARE, "-m", "--propagation", "private", "sh", "-c", inside)) {
            t.awaitLine("compute=40 static=16");
            assertFalse(Files.exists(app), "the program's path exists outside its namespace");
            try (TfixSession s = attach(t)) {
                assertTrue(s.replace("compute", null, "compute_v2", patch).libraryLoaded());
                Results.Replaced second = s.replace("compute_static", null, "compute_static_v2", patch);
                assertFalse(second.libraryLoaded(), "the copy was loaded twice: " + second);
            }
            t.awaitLine("compute=1005 static=2005");
            assertEquals(List.of(copyName(patch)), copies(t.pid()));
            try (TfixSession later = attach(t)) {
                List<AppliedPatch> status = later.status();
                assertEquals(2, status.size(), status.toString());
                assertEquals(Set.of(patch.toString()), status.stream().map(AppliedPatch::patchFile).collect(Collectors.toSet()));
                assertTrue(later.verify().stream().allMatch(Results.Verified::ok), later.verify().toString());
                assertEquals(2, later.revertAll().patches().size());
            }
            t.awaitLine("compute=40 static=16");
            try (TfixSession again = attach(t)) {
                Results.Replaced r = again.replace("compute", null, "compute_v2", patch);
                assertFalse(r.libraryLoaded(), "a later run loaded the copy again: " + r);
                t.awaitLine("compute=1005 static=16"); // the process runs while tfix is attached
                again.revertAll();
            }
            t.awaitLine("compute=40 static=16");
            assertEquals(List.of(copyName(patch)), copies(t.pid()));
            assertTrue(t.alive());
            assertFalse(t.traced());
        }
    }

    @Test
    void aCopyIsLoadedEvenWhereTheProgramDlopenedTheSameProcFdNameBefore(@TempDir Path dir) throws Exception {
        Path exe = Targets.exe("fd_dlopener.c");
        Path patch = Files.copy(Targets.patch("scorer_patch.c"), dir.resolve("fix.so"));
        Path hide = Files.createDirectory(dir.resolve("hide"));
        Path hidden = Files.copy(patch, hide.resolve("fix.so"));
        Path store = Files.createDirectories(PatchStore.standard(0).root()); // out of its sight too
        String inside = "mount -t tmpfs none " + hide + " && mount -t tmpfs none " + store + " && exec " + exe + " "
                + Targets.patch("corners_patch.c");
        try (RunningTarget t = RunningTarget.start(UNSHARE, "-m", "--propagation", "private", "sh", "-c", inside)) {
            String loaded = t.awaitLine("loaded /proc/self/fd/");
            t.awaitLine("compute=40");
            try (TfixSession s = attach(t)) {
                Results.Replaced r = s.replace("compute", null, "compute_v2", hidden);
                assertTrue(r.libraryLoaded(), r.toString());
            }
            t.awaitLine("compute=1005");
            assertEquals(List.of(copyName(hidden)), copies(t.pid()), "after the program's " + loaded);
            assertFalse(t.traced());
        }
    }

    private static String copyName(Path patch) {
        return MemoryMap.PATCH_COPY + FileDigest.sha256(patch).substring(0, 16) + ":" + patch.getFileName() + " (deleted)";
    }

    /** The distinct patch copies the target maps. */
    private static List<String> copies(int pid) {
        return Maps.read(pid).entries().stream().map(MemoryMap::path).filter(MemoryMap::isPatchCopy).distinct().toList();
    }

    /** With the patch store in sight, the target loads the store's copy: the very bytes tfix read and checked. */
    @Test
    void aTargetThatSeesTheStoreLoadsTheBytesTfixChecked(@TempDir Path dir) throws Exception {
        Path exe = Targets.exe("scorer.c");
        Path hidden = Files.createDirectory(dir.resolve("hidden"));
        Files.copy(Targets.patch("scorer_patch.c"), hidden.resolve("fix.so"));
        Path other = Targets.patch("corners_patch.c");
        String inside = "mount -t tmpfs none " + hidden + " && cp " + other + " " + hidden.resolve("fix.so") + " && exec " + exe;
        try (RunningTarget t = RunningTarget.start(UNSHARE, "-m", "--propagation", "private", "sh", "-c", inside)) {
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
