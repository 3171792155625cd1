package tfix.engine.sys;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A per-user cache folder (compiled scripts, parsed symbol tables): made 0700, and read or written only while it and
 * its entries are this user's, not links and not writable by group or others, since another user could have put
 * anything there. Entries are replaced whole (written aside, then renamed), so a reader never sees half of one.
 */
public final class PrivateFolder {
    private PrivateFolder() {
    }

    /** Owned by this process's user, not a link, not writable by group or others. */
    public static boolean trusted(Path p) throws IOException {
        if (Files.isSymbolicLink(p)) {
            return false;
        }
        int uid = (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        return uid == (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") && (mode & 0022) == 0;
    }

    /**
     * Writes {@code bytes} as {@code dir/name}, making {@code dir} (0700) first if needed; false, writing nothing,
     * when the folder is not one to trust.
     */
    public static boolean replace(Path dir, String name, byte[] bytes) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(dir.getParent());
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        if (!trusted(dir)) {
            return false;
        }
        Path tmp = Files.createTempFile(dir, ".incoming-", "");
        try {
            Files.write(tmp, bytes);
            Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            tmp = null;
        } finally {
            if (tmp != null) {
                Files.deleteIfExists(tmp);
            }
        }
        return true;
    }
}
