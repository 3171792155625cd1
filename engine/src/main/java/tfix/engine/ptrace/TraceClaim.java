package tfix.engine.ptrace;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.concurrent.locks.LockSupport;

import tfix.engine.failure.Limit;
import tfix.engine.failure.Printable;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/**
 * The claim one tfix run lays on a process for as long as it traces it: a lock on a file named by the pid, so
 * that a second tfix waits its turn (saying for whom) instead of failing on ptrace's EPERM. The file holds a
 * line naming the holder ("tfix repl (pid 812, user alice) since 09:12:03"). A run that dies lets its lock go
 * with it. The files stay (one per pid worked on, empty of meaning once unlocked) in {@code /run/tfix} as root,
 * a tmpfs emptied at boot; {@code TFIX_LOCK_DIR} chooses another folder.
 */
public final class TraceClaim implements AutoCloseable {
    private static final int S_IWGRP = 0020, S_IWOTH = 0002;
    /**
     * The claims this JVM holds, with their holder lines. A POSIX lock belongs to the whole process and closing any
     * descriptor of its file drops it, so a second session of this JVM waits here and never opens the file.
     */
    private static final Map<Path, String> HELD_HERE = new HashMap<>();
    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;
    private boolean closed;

    private TraceClaim(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the claim on {@code pid}, waiting up to {@code timeout} for another tfix to let it go; {@code waiting}
     * hears once what it waits for. {@code holder} is what this run says it is ("tfix repl"). Null, after saying
     * so, when this user has no right to the lock folder: ptrace still lets one tracer in, but no turns are taken.
     */
    public static TraceClaim take(int pid, String holder, Duration timeout, Consumer<String> waiting) {
        Path dir = folder();
        Path file = dir == null ? null : dir.resolve(pid + ".lock");
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean told = false;
        while (true) {
            String other;
            synchronized (HELD_HERE) {
                other = HELD_HERE.get(file);
                FileChannel ch = other != null ? null : open(file);
                if (other == null && ch == null) {
                    waiting.accept("not taking turns with other tfix runs: no right to the lock folder " + where()
                            + " (TFIX_LOCK_DIR chooses another)");
                    return null;
                }
                if (other == null) {
                    FileLock lock = tryLock(ch);
                    if (lock != null) {
                        TraceClaim claim = new TraceClaim(file, ch, lock);
                        HELD_HERE.put(file, claim.sign(holder));
                        return claim;
                    }
                    other = holderOf(ch);
                    closeQuietly(ch); // safe: no session of this JVM holds a lock on the file
                }
            }
            if (System.nanoTime() > deadline) {
                throw new TfixException(Reason.ALREADY_TRACED, Limit.LOCK_TIMEOUT, "process " + pid + " is held by "
                        + other + "; waited " + shown(timeout) + ": try again when it is done (a REPL lets"
                        + " the process go between statements), or wait longer");
            }
            if (!told) {
                told = true;
                waiting.accept("waiting for " + other + ", which holds process " + pid + " (up to "
                        + shown(timeout) + ")...");
            }
            LockSupport.parkNanos(20_000_000L); // another process's unlock cannot be waited for with a time-out
            if (Thread.interrupted()) {
                throw new TfixException(Reason.CANCELLED, "cancelled while waiting for " + other + ", which holds process "
                        + pid + "; nothing was done");
            }
        }
    }

    private static String shown(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    /** The lock file, opened; null when this user may not (the caller goes without a claim). */
    private static FileChannel open(Path file) {
        if (file == null) {
            return null;
        }
        try {
            return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS);
        } catch (AccessDeniedException e) {
            return null;
        } catch (IOException e) {
            throw new TfixException(Reason.IO, "cannot open tfix's lock file " + file + " (" + e.getMessage()
                    + "): check that folder, or choose another with TFIX_LOCK_DIR");
        }
    }

    private static FileLock tryLock(FileChannel ch) {
        try {
            return ch.tryLock();
        } catch (IOException | OverlappingFileLockException e) {
            closeQuietly(ch);
            throw new TfixException(Reason.IO, "cannot lock tfix's lock file (" + e.getMessage() + ")");
        }
    }

    /** Writes who holds the claim, for a tfix that waits; returns that line. */
    private String sign(String holder) {
        String line = holder + " (pid " + ProcessHandle.current().pid() + ", user " + System.getProperty("user.name")
                + ") since " + Instant.now().truncatedTo(ChronoUnit.SECONDS) + "\n";
        try {
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8)), 0);
        } catch (IOException e) {
            // Only the name a waiting tfix shows.
        }
        return line.strip();
    }

    /** The holder's line, escaped and bounded: the file is ours, but a name in it is printed on a terminal. */
    private static String holderOf(FileChannel ch) {
        ByteBuffer b = ByteBuffer.allocate(200);
        try {
            ch.read(b, 0);
        } catch (IOException e) {
            return "another tfix";
        }
        String s = new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).strip();
        return s.isEmpty() ? "another tfix" : Printable.of(s);
    }

    /**
     * Where the lock files live: {@code TFIX_LOCK_DIR}, else {@code /run/tfix} as root, else {@code
     * $XDG_RUNTIME_DIR/tfix}, else {@code ~/.local/state/tfix/locks}. As root the folder must be root's and not
     * writable by others, who could otherwise plant a link where tfix writes. Null when this user may not make it.
     */
    static Path folder() {
        Path dir = where();
        try {
            Files.createDirectories(dir);
            int mode = (Integer) Files.getAttribute(dir, "unix:mode");
            int uid = (Integer) Files.getAttribute(dir, "unix:uid");
            int me = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            if ((uid != me && uid != 0) || (mode & (S_IWGRP | S_IWOTH)) != 0) {
                throw new TfixException(Reason.PERMISSION, "tfix's lock folder " + dir + " belongs to uid " + uid
                        + String.format(" with mode %04o", mode & 07777) + ", so others could plant files in it: chown it"
                        + " to root and chmod go-w it, or choose another with TFIX_LOCK_DIR");
            }
            return dir;
        } catch (AccessDeniedException e) {
            return null;
        } catch (IOException e) {
            throw new TfixException(Reason.IO, "cannot make tfix's lock folder " + dir + " (" + e.getMessage()
                    + "): choose another with TFIX_LOCK_DIR");
        }
    }

    private static Path where() {
        String env = System.getenv("TFIX_LOCK_DIR");
        String runtime = System.getenv("XDG_RUNTIME_DIR");
        boolean root = "root".equals(System.getProperty("user.name"));
        return env != null && !env.isBlank() ? Path.of(env)
                : root ? Path.of("/run/tfix")
                : runtime != null && runtime.startsWith("/") ? Path.of(runtime, "tfix")
                : Path.of(System.getProperty("user.home"), ".local", "state", "tfix", "locks");
    }

    /** Lets the claim go: a waiting tfix takes it. */
    @Override
    public void close() {
        synchronized (HELD_HERE) {
            if (closed) {
                return;
            }
            closed = true;
            HELD_HERE.remove(file);
            try {
                lock.release();
            } catch (IOException e) {
                // Closing the channel below releases it too.
            }
            closeQuietly(channel);
        }
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // Nothing left to do: the lock goes with the descriptor.
        }
    }
}
