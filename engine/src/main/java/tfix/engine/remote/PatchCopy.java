package tfix.engine.remote;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.process.Maps;
import tfix.engine.sys.Mman;
import tfix.engine.sys.RegularFiles;

/**
 * Hands a target a patch its own path cannot reach: the target creates a memfd, tfix writes the bytes it
 * checked into it through /proc/PID/fd, the target dlopens /proc/self/fd/N and closes the descriptor (its
 * mapping keeps the copy alive).
 */
final class PatchCopy {
    /** Largest patch handed over this way: it is read into memory once, hashed and written. */
    private static final long MAX_SIZE = 256L << 20;
    /** Spellings of /proc/self/fd/N tried: glibc matches an earlier dlopen by its name before opening anything. */
    private static final int SPELLINGS = 4;
    private final RemoteLibc libc;

    PatchCopy(RemoteLibc libc) {
        this.libc = libc;
    }

    void load(PatchPlace place) {
        byte[] bytes = checkedBytes(place);
        int pid = libc.pid();
        int fd = (int) libc.memfdCreate(place.copyName(), Mman.MFD_CLOEXEC);
        if (fd < 0) {
            throw new TfixException(Reason.TARGET_REFUSED, "process " + pid + " could not create a memfd for its copy of "
                    + place.file() + " (memfd_create failed): nothing was loaded");
        }
        try {
            write(pid, fd, bytes, place);
            for (int spelling = 0; spelling < SPELLINGS; spelling++) {
                // A program that dlopened an earlier /proc/self/fd/N (since closed) owns that name in the loader:
                // dlopen would hand back its library. Another spelling of the same path is a name never used.
                String path = "/proc/self/fd/" + "./".repeat(spelling) + fd;
                if (libc.dlopen(path, Mman.RTLD_NOW) == 0) {
                    String why = libc.dlerror();
                    throw new TfixException(Reason.TARGET_REFUSED, "the target could not load its copy of " + place.file()
                            + " (" + path + "): " + why + (why.contains("No such file")
                            ? "; its root has no /proc mounted: put the patch where it sees the same file at the same path" : ""));
                }
                if (Maps.read(pid).entries().stream().anyMatch(m -> m.path().equals(place.copyMapsName()))) {
                    return;
                }
            }
            throw new TfixException(Reason.TARGET_REFUSED, "the target's dlopen kept handing back another library for"
                    + " /proc/self/fd/" + fd + ": its copy of " + place.file() + " was not loaded");
        } finally {
            libc.close(fd);
        }
    }

    /** The file's bytes, which must have the digest tfix checked and journals. */
    private static byte[] checkedBytes(PatchPlace place) {
        try {
            byte[] bytes = RegularFiles.readAll(place.file(), MAX_SIZE, false);
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
            if (!sha.equals(place.sha256())) {
                throw new TfixException(Reason.BAD_PATCH_FILE, "patch file " + place.file() + " changed while tfix was"
                        + " checking it: nothing was loaded; run again once it is complete");
            }
            return bytes;
        } catch (IOException e) {
            throw new TfixException(Reason.BAD_PATCH_FILE, "cannot read patch file " + place.file() + " to hand it to the"
                    + " target (" + e.getMessage() + "): nothing was loaded");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void write(int pid, int fd, byte[] bytes, PatchPlace place) {
        Path theirs = Path.of("/proc", Integer.toString(pid), "fd", Integer.toString(fd));
        try (FileChannel ch = FileChannel.open(theirs, StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                ch.write(buf, buf.position());
            }
        } catch (AccessDeniedException e) {
            throw new TfixException(Reason.PERMISSION, "cannot write the copy of " + place.file() + " into process " + pid
                    + " through " + theirs + " (permission denied; its owner's files need CAP_DAC_OVERRIDE besides"
                    + " CAP_SYS_PTRACE): run tfix as root or as the process's user, or put the patch where the process"
                    + " sees the same file at the same path; nothing was loaded");
        } catch (IOException e) {
            throw new TfixException(Reason.IO, "cannot write the copy of " + place.file() + " into process " + pid
                    + " through " + theirs + ": " + e.getMessage() + "; nothing was loaded");
        }
    }
}
