package tfix.engine.guard;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/** What a patch file must be before anything else looks at it: a readable ELF shared library, by its real path. */
public final class PatchFiles {
    private static final int ET_DYN = 3, PT_INTERP = 3;

    private PatchFiles() {
    }

    /** The canonical path tfix loads a patch by; fails with a plain message for a missing or unusable file. */
    public static Path canonical(Path patch) {
        if (!Files.exists(patch)) {
            throw new TfixException(Reason.BAD_PATCH_FILE, "patch file " + patch + " not found: check the path (relative"
                    + " paths are resolved against the script's folder, or the current folder for exec)");
        }
        if (!Files.isRegularFile(patch) || !Files.isReadable(patch)) {
            throw new TfixException(Reason.BAD_PATCH_FILE, "patch file " + patch + " is not a readable regular file");
        }
        try {
            byte[] head = new byte[20];
            try (InputStream in = Files.newInputStream(patch)) {
                if (in.readNBytes(head, 0, 20) < 20 || head[0] != 0x7f || head[1] != 'E' || head[2] != 'L' || head[3] != 'F') {
                    throw new TfixException(Reason.BAD_PATCH_FILE, "patch file " + patch + " is not an ELF shared object:"
                            + " build it with gcc -shared -fPIC");
                }
            }
            if (head[16] != ET_DYN) {
                throw new TfixException(Reason.BAD_PATCH_FILE, "patch file " + patch + " is not a shared object (ELF type "
                        + head[16] + "): build it with gcc -shared -fPIC");
            }
            if (hasInterpreter(patch)) {
                throw new TfixException(Reason.BAD_PATCH_FILE, "patch file " + patch + " is a program, not a shared"
                        + " library: build the patch with gcc -shared -fPIC");
            }
            return patch.toRealPath();
        } catch (IOException e) {
            throw new TfixException(Reason.BAD_PATCH_FILE, "cannot read patch file " + patch + ": " + e.getMessage());
        }
    }

    /** A PT_INTERP program header marks an executable (a PIE is ET_DYN too). */
    private static boolean hasInterpreter(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file)) {
            ByteBuffer h = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(h, 0);
            long phoff = h.getLong(0x20);
            int phentsize = h.getShort(0x36) & 0xffff, phnum = h.getShort(0x38) & 0xffff;
            ByteBuffer ph = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < phnum; i++) {
                ph.clear();
                ch.read(ph, phoff + (long) i * phentsize);
                if (ph.getInt(0) == PT_INTERP) {
                    return true;
                }
            }
        }
        return false;
    }
}
