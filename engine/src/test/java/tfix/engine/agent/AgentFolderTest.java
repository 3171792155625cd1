package tfix.engine.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tfix.engine.Options;
import tfix.engine.TfixSession;
import tfix.engine.Via;
import tfix.engine.guard.Journal;
import tfix.engine.record.AppliedPatch;
import tfix.engine.testing.AgentTargets;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/**
 * TFIX_AGENT_DIR: a patch with its fix table dropped in the folder is applied by the agent with no tfix running,
 * NAME.revert reverts it, NAME.result says how it went; the record is tfix's, so tfix lists, verifies and reverts it.
 */
class AgentFolderTest extends EngineTest {
    private static final Path EXE = Targets.exe("agent_target.c");
    private static final String INCLUDE = "-I" + Path.of("..", "include").toAbsolutePath().normalize();
    private static final Path FIX = Targets.patch("agent_fix_patch.c", INCLUDE);
    private static final Path ORIGINAL = Targets.patch("agent_fix_original_patch.c", INCLUDE);

    /** The result file's line, once the agent has renamed it into place (the agent acts on its own thread). */
    private static String result(Path file) throws IOException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!Files.exists(file)) {
            assertTrue(System.nanoTime() < deadline, "no " + file);
            LockSupport.parkNanos(5_000_000L);
        }
        String line = Files.readString(file).strip();
        Files.delete(file);
        return line;
    }

    private static RunningTarget start(Path dir) {
        return AgentTargets.start("dumpable=1", EXE, List.of("TFIX_AGENT_DIR=" + dir,
                "TFIX_JOURNAL=" + dir.resolve(".journal").resolve("journal.jsonl")));
    }

    @Test
    void aPatchDroppedInTheFolderIsAppliedListedByTfixAndRevertedByDroppingNameRevert(@TempDir Path dir) throws Exception {
        Files.createDirectory(dir.resolve(".journal"));
        try (RunningTarget t = start(dir)) {
            // Idle, the control thread waits in poll (system call 7) on the socket and the folder's watch together.
            // Right after start the control thread may still be on its way there: wait for the state, then insist.
            long until = System.nanoTime() + 5_000_000_000L;
            while (!controlThreadSyscall(t).equals("7") && System.nanoTime() < until) {
                LockSupport.parkNanos(2_000_000L);
            }
            assertEquals("7", controlThreadSyscall(t));
            Files.copy(FIX, dir.resolve("fix.so"));
            t.awaitLine("hot=3");
            String ok = result(dir.resolve("fix.result"));
            assertTrue(ok.startsWith("ok: applied hot->hot_v2"), ok);
            // Through the agent, so no ptrace stop ends a wait with EINTR: the BAD check below is the folder's alone.
            try (TfixSession s = TfixSession.attach(t.pid(), engine, Options.defaults(), w -> { }, Via.AGENT)) {
                List<AppliedPatch> in = s.status();
                assertEquals(1, in.size());
                assertEquals("hot", in.get(0).function());
                assertEquals(dir.resolve("fix.so").toString(), in.get(0).patchFile());
                assertTrue(s.verify().get(0).ok(), s.verify().toString());
            }
            Files.writeString(dir.resolve("fix.revert"), "");
            t.awaitLine("hot=2");
            String reverted = result(dir.resolve("fix.result"));
            assertTrue(reverted.startsWith("ok: reverted 1 site"), reverted);
            // Nothing left in force: a second revert says so.
            Files.writeString(dir.resolve("fix.revert"), "");
            String none = result(dir.resolve("fix.result"));
            assertTrue(none.startsWith("failed: no patch from"), none);
            try (TfixSession s = TfixSession.attach(t.pid(), engine, Options.defaults(), w -> { }, Via.AGENT)) {
                assertEquals(List.of(), s.status());
            }
            // The journal tfix reads has the folder's apply and revert, in tfix's format.
            List<Journal.Entry> journal = new Journal(dir.resolve(".journal").resolve("journal.jsonl")).read();
            assertEquals(List.of("apply", "revert"), journal.stream().map(Journal.Entry::action).toList());
            assertEquals(List.of("hot", "hot"), journal.stream().map(Journal.Entry::function).toList());
            assertEquals(t.pid(), journal.get(0).pid());
            assertEquals(journal.get(0).newBytes(), journal.get(1).oldBytes());
            assertFalse(t.traced());
            assertEquals(List.of(), t.output().stream().filter(l -> l.startsWith("BAD")).toList());
        }
    }

    @Test
    void aPatchTheFolderAppliedIsRevertedByTfixThroughPtrace(@TempDir Path dir) throws Exception {
        try (RunningTarget t = start(dir)) {
            Files.copy(FIX, dir.resolve("fix.tmp"));
            Files.move(dir.resolve("fix.tmp"), dir.resolve("fix.so"), StandardCopyOption.ATOMIC_MOVE); // IN_MOVED_TO
            t.awaitLine("hot=3");
            assertTrue(result(dir.resolve("fix.result")).startsWith("ok: applied"));
            try (TfixSession s = TfixSession.attach(t.pid(), engine, Options.defaults(), w -> { }, Via.PTRACE)) {
                assertEquals(1, s.revertAll().patches().size());
            }
            t.awaitLine("hot=2");
            Files.writeString(dir.resolve("fix.revert"), "");
            String none = result(dir.resolve("fix.result"));
            assertTrue(none.startsWith("failed: no patch from"), none);
        }
    }

    @Test
    void aFixTableEntryTheFolderDoesNotDoIsRefusedAndNothingChanges(@TempDir Path dir) throws Exception {
        try (RunningTarget t = start(dir)) {
            Files.copy(ORIGINAL, dir.resolve("orig.so"));
            String refused = result(dir.resolve("orig.result"));
            assertTrue(refused.startsWith("failed: ") && refused.contains("'original' is not done"), refused);
            Files.writeString(dir.resolve("junk.so"), "not an ELF file");
            String junk = result(dir.resolve("junk.result"));
            assertTrue(junk.contains("not a readable 64-bit ELF file"), junk);
            t.awaitLine("tick .* hot=2");
            try (TfixSession s = TfixSession.attach(t.pid(), engine, Options.defaults(), w -> { }, Via.AGENT)) {
                assertEquals(List.of(), s.status());
            }
        }
    }

    @Test
    void aSiteTfixPatchedIsRefusedByTheFolderAndTheFoldersIdsFollowTfixs(@TempDir Path dir) throws Exception {
        try (RunningTarget t = start(dir)) {
            try (TfixSession s = TfixSession.attach(t.pid(), engine, Options.defaults(), w -> { }, Via.AGENT)) {
                s.replace("hot", null, "hot_v2", Targets.patch("agent_patch.c"));
            }
            t.awaitLine("hot=3");
            Files.copy(FIX, dir.resolve("fix.so"));
            String refused = result(dir.resolve("fix.result"));
            assertTrue(refused.startsWith("failed: hot already starts with a jump"), refused);
            try (TfixSession s = TfixSession.attach(t.pid(), engine, Options.defaults(), w -> { }, Via.AGENT)) {
                assertEquals(1, s.status().size(), "the refused drop added nothing in force");
                assertEquals(1, s.revertAll().patches().size());
            }
            t.awaitLine("hot=2");
            Files.copy(FIX, dir.resolve("fix.so"), StandardCopyOption.REPLACE_EXISTING);
            String ok = result(dir.resolve("fix.result"));
            assertTrue(ok.startsWith("ok: applied hot->hot_v2 (patch 2)"), ok); // tfix's patch was 1
            t.awaitLine("hot=3");
            try (TfixSession s = TfixSession.attach(t.pid(), engine, Options.defaults(), w -> { }, Via.AGENT)) {
                assertEquals(List.of(2), s.status().stream().map(AppliedPatch::id).toList());
            }
            Files.writeString(dir.resolve("fix.revert"), "");
            t.awaitLine("hot=2");
            assertTrue(result(dir.resolve("fix.result")).startsWith("ok: reverted"));
        }
    }

    private static String controlThreadSyscall(RunningTarget t) throws IOException {
        try (var tasks = Files.list(Path.of("/proc", Integer.toString(t.pid()), "task"))) {
            for (Path task : tasks.toList()) {
                if (Files.readString(task.resolve("comm")).trim().equals("tfix-agent")) {
                    return Files.readString(task.resolve("syscall")).split(" ")[0];
                }
            }
        }
        throw new AssertionError("no control thread");
    }
}
