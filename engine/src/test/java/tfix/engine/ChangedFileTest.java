package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/** A library deleted or replaced on disk after the process loaded it: tfix reads the file that is mapped. */
class ChangedFileTest extends EngineTest {

    @ParameterizedTest
    @ValueSource(strings = {"deleted", "replaced"})
    void aFunctionInALibraryGoneFromDiskIsPatched(String how, @TempDir Path dir) throws Exception {
        Path lib = dir.resolve("libgone.so");
        Files.copy(Targets.patch("libshared.c"), lib);
        Path patch = Targets.patch("libshared_patch.c");
        RunningTarget target = RunningTarget.startPast("lib_compute=21", Targets.exe("dl_user.c", "-ldl"), lib.toString());
        if (how.equals("deleted")) {
            Files.delete(lib);
        } else {
            // An upgrade in place: another build renamed over the path, whose symbols would be wrong here.
            Path other = dir.resolve("other.so");
            Files.copy(patch, other);
            Files.move(other, lib, StandardCopyOption.ATOMIC_MOVE);
        }
        assertTrue(Targets.mapsMention(target.pid(), lib + " (deleted)"));
        live(target, Options.defaults(), (t, s) -> {
            // Named by its library too: the user names the file, not the "(deleted)" the kernel appends.
            assertTrue(s.symbols().resolve("libgone.so!lib_compute", null, List.of()).module().path().endsWith("(deleted)"));
            s.replace("lib_compute", null, "lib_compute_v2", patch);
            t.awaitLine("lib_compute=3000");
            assertTrue(s.verify().stream().allMatch(Results.Verified::ok));
            s.revert("lib_compute");
            t.awaitLine("lib_compute=21");
        }, t -> {
            assertTrue(t.alive());
            assertFalse(t.traced());
        });
    }
}
