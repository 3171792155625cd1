package tfix.engine.guard;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.sys.RegularFiles;

/**
 * Where patches are loaded from: a content-addressed copy of each patch file, {@code STORE/SHA256/NAME}. A
 * byte-identical rebuild is the same file (the process has it loaded already: reused); a changed one is a new
 * file, which dlopen loads anew instead of handing back the old library mapped under the same path. The digest
 * is taken of the bytes copied, so what the record names is exactly what is loaded. The store is root's as root
 * ({@code /var/lib/tfix/patches}), the user's otherwise ({@code $XDG_STATE_HOME/tfix/patches}), {@code
 * TFIX_PATCH_STORE} to choose; folders 0755, files 0444, and the guard's rules checked on every stored file.
 * Each digest folder keeps a {@code sources} file listing the paths it was copied from. A stored file is never
 * replaced, and removed only by {@link #collect} once no process maps it.
 */
public final class PatchStore {
    private static final String SOURCES = "sources";
    private final Path root;
    private final int euid;

    public PatchStore(Path root, int euid) {
        this.root = root;
        this.euid = euid;
    }

    public static PatchStore standard(int euid) {
        String env = System.getenv("TFIX_PATCH_STORE");
        if (env != null && !env.isBlank()) {
            return new PatchStore(Path.of(env).toAbsolutePath(), euid);
        }
        if (euid == 0) {
            return new PatchStore(Path.of("/var/lib/tfix/patches"), euid);
        }
        String state = System.getenv("XDG_STATE_HOME");
        Path base = state != null && state.startsWith("/") ? Path.of(state) : Path.of(System.getProperty("user.home"), ".local", "state");
        return new PatchStore(base.resolve("tfix").resolve("patches"), euid);
    }

    public Path root() {
        return root;
    }

    /** A stored patch: the file to load, its SHA-256, and the user's file it was copied from. */
    public record Stored(Path file, String sha256, Path source) {
    }

    /** Copies the checked patch file {@code canonical} into the store (unless its bytes are there already). */
    public Stored store(Path canonical) {
        Path incoming = null;
        try {
            makeFolder(root);
            incoming = Files.createTempFile(root, ".incoming-", ".so");
            String sha = copyHashing(canonical, incoming);
            Path folder = root.resolve(sha);
            makeFolder(folder);
            Path file = folder.resolve(canonical.getFileName().toString());
            if (Files.exists(file) && !sha.equals(FileDigest.sha256(file))) {
                // Never overwritten: a process may map it. Someone with rights over the store changed it.
                throw new TfixException(Reason.BAD_PATCH_FILE, "the stored patch " + file + " no longer matches its digest:"
                        + " someone changed tfix's patch store; remove that folder once no process maps it");
            }
            if (!Files.exists(file)) {
                Files.setPosixFilePermissions(incoming, PosixFilePermissions.fromString("r--r--r--"));
                move(incoming, file);
            }
            noteSource(folder, canonical);
            PatchFileGuard.check(file, euid);
            return new Stored(file, sha, canonical);
        } catch (IOException e) {
            throw new TfixException(Reason.IO, "cannot store the patch " + canonical + " in " + root + " (" + e.getMessage()
                    + "): check that folder, or choose another with TFIX_PATCH_STORE");
        } finally {
            if (incoming != null) {
                try {
                    Files.deleteIfExists(incoming);
                } catch (IOException e) {
                    // A stray temporary file in the store: harmless, never loaded.
                }
            }
        }
    }

    /**
     * Removes the digest folders none of whose files is in {@code mapped} (the paths every process maps, read by the
     * caller) and that are older than {@code minAge} (a tfix may be about to load one it just stored); returns them.
     */
    public List<Path> collect(Set<String> mapped, Duration minAge) {
        List<Path> removed = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return removed;
        }
        Instant before = Instant.now().minus(minAge);
        try (Stream<Path> folders = Files.list(root)) {
            for (Path folder : folders.filter(f -> f.getFileName().toString().matches("[0-9a-f]{64}")).toList()) {
                try (Stream<Path> files = Files.list(folder)) {
                    List<Path> all = files.toList();
                    boolean inUse = all.stream().anyMatch(f -> mapped.contains(f.toString()));
                    if (inUse || Files.getLastModifiedTime(folder).toInstant().isAfter(before)) {
                        continue;
                    }
                    for (Path f : all) {
                        Files.delete(f);
                    }
                    Files.delete(folder);
                    removed.add(folder);
                }
            }
        } catch (IOException e) {
            throw new TfixException(Reason.IO, "cannot clean the patch store " + root + " (" + e.getMessage() + ")");
        }
        return removed;
    }

    /** The user's file a stored patch was last copied from (its folder's {@code sources}), if it is a stored patch. */
    public static Optional<String> sourceOf(Path stored) {
        Path folder = stored.getParent();
        if (folder == null || !folder.getFileName().toString().matches("[0-9a-f]{64}")) {
            return Optional.empty();
        }
        try (Stream<String> lines = Files.lines(folder.resolve(SOURCES))) {
            return lines.reduce((a, b) -> b).map(l -> l.substring(l.indexOf(' ') + 1));
        } catch (IOException | UncheckedIOException e) {
            return Optional.empty();
        }
    }

    /** Reads the file once, as a regular file (no FIFO can block it), writing the copy and hashing the same bytes. */
    private static String copyHashing(Path from, Path to) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (FileChannel in = RegularFiles.open(from, FileDigest.MAX_SIZE, false);
             OutputStream out = Files.newOutputStream(to, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.allocate(1 << 16);
            long left = FileDigest.MAX_SIZE;
            int n;
            while ((n = in.read(buf.clear())) > 0) {
                left -= n;
                if (left < 0) {
                    throw new TfixException(Reason.BAD_PATCH_FILE, "patch file " + from + " is larger than 1 GiB");
                }
                md.update(buf.array(), 0, n);
                out.write(buf.array(), 0, n);
            }
        }
        try (FileChannel written = FileChannel.open(to, StandardOpenOption.WRITE)) {
            written.force(true); // in the store before anything maps it
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** A hard link, which never replaces a file there: one a process maps must keep its inode. */
    private static void move(Path from, Path to) throws IOException {
        try {
            Files.createLink(to, from);
        } catch (FileAlreadyExistsException e) {
            // Another tfix stored the same bytes meanwhile: theirs is ours.
        }
    }

    /** Makes a store folder: the user's own, 0755 (a target running as another user must read the patch). */
    private static void makeFolder(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    /** The user's path, appended to the digest folder's list of where its bytes came from (for people). */
    private static void noteSource(Path folder, Path source) {
        try {
            Files.writeString(folder.resolve(SOURCES), Instant.now() + " " + source + "\n", StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            // Only a note: the digest folder's name says what the patch is.
        }
    }
}
