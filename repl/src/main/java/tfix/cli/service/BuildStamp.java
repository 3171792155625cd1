package tfix.cli.service;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

/**
 * The jar (or classes folder) the service runs, with its modification time at start: once it is rebuilt, the
 * service's code is not the command line's, and commands go to the new code in their own JVM instead.
 */
record BuildStamp(Path file, FileTime atStart) {
    static BuildStamp ofRunningCode() {
        try {
            Path file = Path.of(BuildStamp.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return new BuildStamp(file, Files.getLastModifiedTime(file));
        } catch (IOException | URISyntaxException | RuntimeException e) {
            return new BuildStamp(null, null);
        }
    }

    boolean changed() {
        if (file == null) {
            return false;
        }
        try {
            return !Files.getLastModifiedTime(file).equals(atStart);
        } catch (IOException e) {
            return true; // gone: rebuilt or removed
        }
    }
}
