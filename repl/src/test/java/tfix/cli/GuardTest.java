package tfix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/** Guards against misuse: patch files others could change, and the journal of every write. */
class GuardTest {
    static CliTest.Result tfixWithJournal(Path journal, String... args) throws Exception {
        return CliTest.tfixWith(java.util.Map.of("TFIX_JOURNAL", journal.toString()), Path.of("..").toAbsolutePath().normalize(), args);
    }

    @TempDir
    Path dir;

    /** A journal of its own for the test, in a folder that exists; the file itself not yet. */
    Path journal() throws Exception {
        return Files.createDirectories(dir.resolve("journal")).resolve("journal.jsonl");
    }

    /** The scorer target, started and past its first line. */
    static RunningTarget scorer() {
        return RunningTarget.startPast("compute=40", Targets.exe("scorer.c"));
    }

    @Test
    void patchFilesOthersCouldChangeAreRefused() throws Exception {
        Path patch = Targets.patch("scorer_patch.c");
        Path journal = journal();
        try (RunningTarget t = scorer()) {
            Path open = Files.createDirectory(dir.resolve("open"));
            Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
            Files.copy(patch, open.resolve("patch.so"));
            CliTest.Result r = tfixWithJournal(journal, "exec", "attach " + t.pid() + "; replace 'compute' with 'compute_v2' from '"
                    + open.resolve("patch.so") + "'");
            assertEquals(1, r.exit());
            assertTrue(r.err().contains("folder " + open) && r.err().contains("writable by any user"), r.err());

            Path mine = Files.createDirectory(dir.resolve("owned"));
            Path foreign = mine.resolve("patch.so");
            Files.copy(patch, foreign);
            new ProcessBuilder("chown", "65534", foreign.toString()).start().waitFor();
            r = tfixWithJournal(journal, "exec", "attach " + t.pid() + "; replace 'compute' with 'compute_v2' from '" + foreign + "'");
            assertEquals(1, r.exit());
            assertTrue(r.err().contains("belongs to uid 65534"), r.err());

            Path groupWritable = mine.resolve("gw.so");
            Files.copy(patch, groupWritable);
            Files.setPosixFilePermissions(groupWritable, PosixFilePermissions.fromString("rw-rw-r--"));
            r = tfixWithJournal(journal, "exec", "attach " + t.pid() + "; replace 'compute' with 'compute_v2' from '" + groupWritable + "'");
            assertEquals(1, r.exit());
            assertTrue(r.err().contains("writable by its group"), r.err());

            assertFalse(Targets.mapsMention(t.pid(), "patch.so"), "a refused patch is never loaded");
            assertFalse(Files.exists(journal), "nothing was written to the target, so nothing is journaled");
        }
    }

    @Test
    void everyWriteIsJournaled() throws Exception {
        Path patch = Targets.patch("scorer_patch.c");
        Path journal = journal();
        try (RunningTarget t = scorer()) {
            CliTest.Result r = tfixWithJournal(journal, "exec", "attach " + t.pid() + "; replace 'compute' with 'compute_v2' from '"
                    + patch + "'; revert 'compute'");
            assertEquals(0, r.exit(), r.err());
            CliTest.Result log = tfixWithJournal(journal, "log", "--pid", Integer.toString(t.pid()));
            assertEquals(0, log.exit(), log.err());
            assertTrue(log.out().contains("2 writes"), log.out());
            List<String> lines = log.out().lines().skip(1).toList();
            assertTrue(lines.get(0).contains(" apply ") && lines.get(0).contains("compute at 0x"), lines.get(0));
            assertTrue(lines.get(1).contains(" revert "), lines.get(1));
            assertTrue(lines.get(0).contains(patch.toString()) && lines.get(0).contains("sha256 "), lines.get(0));
            // The old bytes of the apply are the new bytes of the revert.
            String applied = lines.get(0).replaceAll(".*: (\\p{XDigit}+) -> (\\p{XDigit}+) .*", "$1 $2");
            String reverted = lines.get(1).replaceAll(".*: (\\p{XDigit}+) -> (\\p{XDigit}+) .*", "$2 $1");
            assertEquals(applied, reverted);
            // On disk, each write sits between its intent (patch already hashed) and its outcome.
            List<String> raw = Files.readAllLines(journal);
            assertEquals(List.of("apply?", "apply", "revert?", "revert"),
                    raw.stream().map(l -> l.replaceAll(".*\"action\":\"([^\"]*)\".*", "$1")).toList(), raw.toString());
            assertTrue(raw.get(2).matches(".*\"sha256\":\"\\p{XDigit}{64}\".*"), raw.get(2));
        }
    }
}
