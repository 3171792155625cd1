package tfix.cli.service;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/**
 * Where the service listens: {@code --socket}, else {@code TFIX_SOCKET}, else {@code /run/tfix/service.sock} as
 * root, {@code $XDG_RUNTIME_DIR/tfix/service.sock} otherwise. Its folder is the owner's alone (0700), so no other
 * user can reach the socket; the peer check at each connection is the second lock.
 */
public final class SocketPlace {
    private SocketPlace() {
    }

    public static Path chosen(Path option) {
        if (option != null) {
            return option.toAbsolutePath();
        }
        String env = System.getenv("TFIX_SOCKET");
        if (env != null && !env.isBlank()) {
            return Path.of(env).toAbsolutePath();
        }
        String runtime = System.getenv("XDG_RUNTIME_DIR");
        if (isRoot()) {
            return Path.of("/run/tfix/service.sock");
        }
        if (runtime != null && runtime.startsWith("/")) {
            return Path.of(runtime, "tfix", "service.sock");
        }
        throw new TfixException(Reason.BAD_INPUT, "no place for the tfix service's socket: XDG_RUNTIME_DIR is not set;"
                + " give one with --socket PATH or TFIX_SOCKET");
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** Makes the socket's folder the owner's alone; refuses one that another user owns or others may write. */
    static void prepare(Path socket) {
        Path dir = socket.getParent();
        try {
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            int uid = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            int me = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            if (uid != me) {
                throw new TfixException(Reason.PERMISSION, "the socket's folder " + dir + " belongs to uid " + uid
                        + ", not to this user (" + me + "): choose a folder of your own with --socket PATH");
            }
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new TfixException(Reason.IO, "cannot prepare the socket's folder " + dir + " (" + e.getMessage()
                    + "): choose another with --socket PATH");
        }
    }
}
