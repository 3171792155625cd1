package tfix.engine.guard;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.sys.RegularFiles;

/** What a patch file must be before anything else looks at it: a readable ELF shared library, by its real path. */
public final class PatchFiles {
    private static final int ET_DYN = 3, PT_INTERP = 3;

    private PatchFiles() {
    }

    /**
     * The canonical path tfix loads a patch by; fails with a plain message for a missing or unusable file.
     * The user's path may be a link; what it resolves to must be a regular file, checked on the opened file
     * (a FIFO or a device there, even one swapped in meanwhile, is refused without blocking).
     */
    public static Path canonical(Path patch) {
        if (!Files.exists(patch)) {
            throw new TfixException(Reason.BAD_PATCH_FILE, "patch file " + patch + " not found: check the path (relative"
                    + " paths are resolved against the script's folder, or the current folder for exec)");
        }
        try {
            Path real = patch.toRealPath();
            try (FileChannel ch = RegularFiles.open(real, FileDigest.MAX_SIZE, false)) {
                ByteBuffer head = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
                while (head.hasRemaining() && ch.read(head) > 0) {
                    // a short file stops here
                }
                byte[] h = head.array();
                if (head.position() < 64 || h[0] != 0x7f || h[1] != 'E' || h[2] != 'L' || h[3] != 'F') {
                    throw new TfixException(Reason.BAD_PATCH_FILE, "patch file " + patch + " is not an ELF shared object:"
                            + " build it with gcc -shared -fPIC");
                }
                if (h[16] != ET_DYN) {
                    throw new TfixException(Reason.BAD_PATCH_FILE, "patch file " + patch + " is not a shared object (ELF type "
                            + h[16] + "): build it with gcc -shared -fPIC");
                }
                if (hasInterpreter(ch, head)) {
                    throw new TfixException(Reason.BAD_PATCH_FILE, "patch file " + patch + " is a program, not a shared"
                            + " library: build the patch with gcc -shared -fPIC");
                }
            }
            return real;
        } catch (IOException e) {
            throw new TfixException(Reason.BAD_PATCH_FILE, "patch file " + patch + " is not a readable regular file ("
                    + e.getMessage() + "): give the path of the patch's .so itself");
        }
    }

    /** A PT_INTERP program header marks an executable (a PIE is ET_DYN too). */
    private static boolean hasInterpreter(FileChannel ch, ByteBuffer h) throws IOException {
        long phoff = h.getLong(0x20);
        int phentsize = h.getShort(0x36) & 0xffff, phnum = h.getShort(0x38) & 0xffff;
        ByteBuffer ph = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < phnum && phoff >= 0; i++) {
            ph.clear();
            if (ch.read(ph, phoff + (long) i * phentsize) == 4 && ph.getInt(0) == PT_INTERP) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the target opens the very file tfix checked and hashed at this path: its dlopen resolves the
     * path in its own mount namespace and root (a container, a chroot), where the path may name another
     * file, or none. Compared by device and inode, through /proc/PID/root. When tfix cannot look (no
     * rights yet), the path is taken as shared, as before namespaces: attaching says why.
     */
    public static boolean sameForTarget(int pid, Path canonical) {
        Path theirs = Path.of("/proc", Integer.toString(pid), "root").resolve(canonical.toString().substring(1));
        try {
            Object ours = Files.getAttribute(canonical, "unix:dev") + ":" + Files.getAttribute(canonical, "unix:ino");
            Object seen = Files.getAttribute(theirs, "unix:dev") + ":" + Files.getAttribute(theirs, "unix:ino");
            return ours.equals(seen);
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException | UnsupportedOperationException e) {
            return true;
        }
    }
}
