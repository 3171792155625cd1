package tfix.engine.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/** Processes found by the file they run or map, by device and inode, not by name. */
class ProcessScanTest {

    @Test
    void findsTheProcessesOfOneFileAndTellsAnUpgradedFileApart(@TempDir Path dir) throws Exception {
        Path exe = dir.resolve("scorer");
        Files.copy(Targets.exe("scorer.c"), exe);
        try (RunningTarget a = RunningTarget.start(exe); RunningTarget b = RunningTarget.start(exe)) {
            FileIdentity file = FileIdentity.of(exe).orElseThrow();
            assertEquals(List.of(Math.min(a.pid(), b.pid()), Math.max(a.pid(), b.pid())), new ProcessScan().using(file));
            // Upgraded on disk: a new file at the same path; the running processes still run the old one.
            Path next = dir.resolve("scorer.new");
            Files.copy(exe, next);
            Files.move(next, exe, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            assertTrue(new ProcessScan().using(FileIdentity.of(exe).orElseThrow()).isEmpty());
            assertEquals(2, new ProcessScan().using(file).size());
        }
    }

    @Test
    void aLibraryIsFoundInEveryProcessThatMapsIt() throws Exception {
        Path libc = Path.of("/lib/x86_64-linux-gnu/libc.so.6");
        try (RunningTarget t = RunningTarget.start(Targets.exe("scorer.c"))) {
            assertTrue(new ProcessScan().using(FileIdentity.of(libc).orElseThrow()).contains(t.pid()));
            assertFalse(new ProcessScan().all().contains((int) ProcessHandle.current().pid()));
        }
    }

    @Test
    void aProcessThatOnlyReadsTheFileDoesNotCount(@TempDir Path dir) throws Exception {
        Path exe = dir.resolve("scorer");
        Files.copy(Targets.exe("scorer.c"), exe);
        // tail keeps the file open and maps nothing of it as code: like another tfix reading its ELF.
        Process reader = new ProcessBuilder("sh", "-c", "exec 3<\"$0\"; exec sleep 30", exe.toString()).start();
        try (RunningTarget t = RunningTarget.start(exe)) {
            assertEquals(List.of(t.pid()), new ProcessScan().using(FileIdentity.of(exe).orElseThrow()));
        } finally {
            reader.destroyForcibly().waitFor();
        }
    }
}
