package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.guard.FileDigest;
import tfix.engine.guard.Journal;
import tfix.engine.guard.PatchFileGuard;
import tfix.engine.guard.PatchStore;
import tfix.engine.process.TargetProcess;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/** Issue 13, patch files: loaded from a content-addressed store, so a rebuild at the same path is just a patch. */
class PatchStoreTest extends EngineTest {
    private static final int EUID = 0; // the tests run as root (ptrace)

    /** The store files of the target's maps whose name is {@code name}: one path per copy loaded. */
    private static Set<String> mappedCopies(int pid, String name) {
        return new TargetProcess(pid).maps().entries().stream().map(m -> m.path())
                .filter(p -> p.endsWith("/" + name)).collect(Collectors.toSet());
    }

    /** Replaces the file at {@code at} by a new one (a new inode, as a build does) with {@code from}'s bytes. */
    private static void rebuild(Path from, Path at) throws Exception {
        Files.delete(at);
        Files.copy(from, at, StandardCopyOption.COPY_ATTRIBUTES);
    }

    /** The journal's last entries (a shared machine's journal grows large): its last 4 MiB, whole lines. */
    private static List<Journal.Entry> tail(Path journal, Path copy) throws Exception {
        try (var ch = java.nio.channels.FileChannel.open(journal)) {
            long from = Math.max(0, ch.size() - (4 << 20));
            var buf = java.nio.ByteBuffer.allocate((int) (ch.size() - from));
            while (buf.hasRemaining() && ch.read(buf, from + buf.position()) > 0) {
                // read to the end
            }
            String text = new String(buf.array(), 0, buf.position(), java.nio.charset.StandardCharsets.UTF_8);
            Files.writeString(copy, from == 0 ? text : text.substring(text.indexOf('\n') + 1));
        }
        return new Journal(copy).read();
    }

    @Test
    void aByteIdenticalRebuildAtTheSamePathIsTheSamePatchLoadedOnce(@TempDir Path dir) throws Exception {
        Path fix = dir.resolve("fix.so");
        Path built = Targets.patch("versioned_patch.c");
        Files.copy(built, fix);
        try (RunningTarget t = RunningTarget.start(Targets.exe("scorer.c"))) {
            t.awaitLine("compute=40 static=16");
            String first;
            try (TfixSession s = attach(t)) {
                assertTrue(s.replace("compute", null, "compute_v2", fix).libraryLoaded());
                first = s.status().get(0).patchFile();
                t.awaitLine("compute=1005"); // it ran: the target prints only when the result changes
                s.revert("compute");
            }
            t.awaitLine("compute=40");
            rebuild(built, fix); // the old file is gone from disk; the target maps the store's copy, not it
            try (TfixSession s = attach(t)) {
                Results.Replaced again = s.replace("compute", null, "compute_v2", fix);
                assertFalse(again.libraryLoaded(), "the same bytes were loaded a second time");
                assertEquals(first, s.status().get(0).patchFile(), "the record names the same stored file");
            }
            t.awaitLine("compute=1005");
            assertEquals(1, mappedCopies(t.pid(), "fix.so").size(), "copies mapped: " + mappedCopies(t.pid(), "fix.so"));
            String sha = FileDigest.sha256(built);
            assertEquals(PatchStore.standard(EUID).root().resolve(sha).resolve("fix.so").toString(), first);
            assertFalse(t.traced());
        }
    }

    @Test
    void aChangedRebuildIsANewPatchThatTakesTheSiteOver(@TempDir Path dir) throws Exception {
        Path fix = dir.resolve("fix.so");
        Path v1 = Targets.patch("versioned_patch.c", "-DBONUS=1000");
        Path v2 = Targets.patch("versioned_patch.c", "-DBONUS=3000");
        String sha1 = FileDigest.sha256(v1), sha2 = FileDigest.sha256(v2);
        assertNotEquals(sha1, sha2);
        Files.copy(v1, fix);
        try (RunningTarget t = RunningTarget.start(Targets.exe("scorer.c"))) {
            t.awaitLine("compute=40 static=16");
            try (TfixSession s = attach(t)) {
                s.replace("compute", null, "compute_v2", fix);
                t.awaitLine("compute=1005");
                rebuild(v2, fix);
                Results.Replaced r = s.replace("compute", null, "compute_v2", fix);
                assertTrue(r.libraryLoaded(), "v2 must be loaded anew, not handed back as v1");
                List<String> inForce = s.status().stream().map(p -> p.patchFile()).toList();
                assertEquals(List.of(PatchStore.standard(EUID).root().resolve(sha2).resolve("fix.so").toString()), inForce);
            }
            t.awaitLine("compute=3005"); // v1 -> v2 at the site, in one write
            assertEquals(Set.of(PatchStore.standard(EUID).root().resolve(sha1).resolve("fix.so").toString(),
                    PatchStore.standard(EUID).root().resolve(sha2).resolve("fix.so").toString()),
                    mappedCopies(t.pid(), "fix.so"));
            // The journal names both: each write with its stored file and that file's digest.
            List<Journal.Entry> mine = tail(Journal.standard(EUID).file(), dir.resolve("journal-tail.jsonl")).stream()
                    .filter(e -> e.pid() == t.pid() && e.action().equals("apply")).toList();
            assertEquals(Set.of(sha1, sha2), mine.stream().map(Journal.Entry::patchSha256).collect(Collectors.toSet()));
            assertTrue(mine.stream().allMatch(e -> e.patchFile().contains(e.patchSha256())), mine.toString());
            assertTrue(mine.stream().allMatch(e -> fix.toString().equals(e.source())), "the user's file: " + mine);
            assertFalse(t.traced());
        }
    }

    @Test
    void storedFilesAreOwnedAndProtectedAsTheGuardWants(@TempDir Path dir) throws Exception {
        Path patch = Targets.patch("versioned_patch.c");
        Path src = dir.resolve("src");
        Files.createDirectories(src);
        Files.copy(patch, src.resolve("fix.so"));
        PatchStore store = new PatchStore(dir.resolve("store"), EUID);
        PatchStore.Stored s = store.store(src.resolve("fix.so"));
        assertEquals(FileDigest.sha256(patch), s.sha256());
        assertEquals(dir.resolve("store").resolve(s.sha256()).resolve("fix.so"), s.file());
        assertEquals("r--r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(s.file())));
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(s.file().getParent())));
        assertEquals(0, (Integer) Files.getAttribute(s.file(), "unix:uid"));
        PatchFileGuard.check(s.file(), 0); // passes
        assertTrue(Files.readString(s.file().resolveSibling("sources")).contains(src.resolve("fix.so").toString()));
        // Storing the same bytes again gives the same file, untouched (a process may map it).
        Object inode = Files.getAttribute(s.file(), "unix:ino");
        assertEquals(s.file(), store.store(src.resolve("fix.so")).file());
        assertEquals(inode, Files.getAttribute(s.file(), "unix:ino"));
        // A store others could write to is refused, as any patch folder would be.
        Path open = dir.resolve("open");
        Files.createDirectories(open);
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxr-x"));
        TfixException e = assertThrows(TfixException.class, () -> new PatchStore(open, 0).store(src.resolve("fix.so")));
        assertEquals(Reason.PERMISSION, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains("writable by its group"), e.getMessage());
        // Nothing else is left in the store: the copy is made under a temporary name and linked in.
        try (var files = Files.list(dir.resolve("store"))) {
            assertEquals(List.of(s.sha256()), files.map(f -> f.getFileName().toString()).toList());
        }
    }
}
