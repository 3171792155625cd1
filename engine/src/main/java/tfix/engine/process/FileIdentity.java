package tfix.engine.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * A file as the kernel knows it, by device and inode rather than by name: a program upgraded on
 * disk (a new inode at the same path) is another file than the one an old process still runs.
 */
public record FileIdentity(long major, long minor, long inode) {

    /** The file a path names now (links followed); empty when it cannot be read. */
    public static Optional<FileIdentity> of(Path path) {
        try {
            Map<String, Object> a = Files.readAttributes(path, "unix:dev,ino");
            long dev = (Long) a.get("dev");
            // glibc's encoding of dev_t: major in bits 8-19 and 32-63, minor in bits 0-7 and 12-31.
            long major = ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
            long minor = (dev & 0xff) | ((dev >>> 12) & ~0xffL);
            return Optional.of(new FileIdentity(major, minor, (Long) a.get("ino")));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Whether a mapping of /proc/PID/maps (device "fd:01", inode) is this file. */
    public boolean isMappedBy(MemoryMap m) {
        if (m.inode() != inode) {
            return false;
        }
        String d = m.device();
        int colon = d.indexOf(':');
        try {
            return colon > 0 && Long.parseLong(d.substring(0, colon), 16) == major
                    && Long.parseLong(d.substring(colon + 1), 16) == minor;
        } catch (NumberFormatException e) {
            return false; // a line tfix cannot read is not a match
        }
    }
}
