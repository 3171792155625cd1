package tfix.engine.elf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.Optional;

/**
 * What stat says of a file: device, inode, size, modification and change times. A file rebuilt or copied in place
 * gets a new inode or new times, so what was stored for the old one is never taken for it (the change time cannot
 * be set back by its owner, as the modification time can).
 */
public record FileIdentity(long device, long inode, long size, long modifiedNanos, long changedNanos) {

    /** The file's identity now; empty when it cannot be stat'ed (then nothing is stored or looked up for it). */
    public static Optional<FileIdentity> of(Path file) {
        try {
            Map<String, Object> a = Files.readAttributes(file, "unix:dev,ino,size,lastModifiedTime,ctime");
            return Optional.of(new FileIdentity((Long) a.get("dev"), (Long) a.get("ino"), (Long) a.get("size"),
                    nanos((FileTime) a.get("lastModifiedTime")), nanos((FileTime) a.get("ctime"))));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static long nanos(FileTime t) {
        return t.to(java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    String key() {
        return device + ":" + inode + ":" + size + ":" + modifiedNanos + ":" + changedNanos;
    }
}
