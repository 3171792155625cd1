package tfix.engine.guard;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/**
 * Run as root, tfix loads code into other processes: a patch file that another user
 * could change (or swap, through a folder above it) would let that user run code in
 * the target. Like sudo with its files, tfix refuses such a patch and says why.
 */
public final class PatchFileGuard {
    private static final int S_IWGRP = 0020, S_IWOTH = 0002, S_ISVTX = 01000;

    private PatchFileGuard() {
    }

    /**
     * Checks the resolved patch path and every folder above it: each must belong to root
     * or to the user running tfix, and must not be writable by group or others (a folder
     * with the sticky bit, such as /tmp, may be: others cannot swap a file they do not own).
     */
    public static void check(Path resolved, int euid) {
        if (euid != 0) {
            return; // an unprivileged tfix cannot give the patch more power than its user has
        }
        Path p = resolved;
        boolean file = true;
        while (p != null) {
            try {
                int uid = (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
                int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
                String what = file ? "patch file " + resolved : "folder " + p + " above the patch " + resolved;
                if (uid != 0 && uid != euid) {
                    throw new TfixException(Reason.PERMISSION, what + " belongs to uid " + uid + ", who could change the code tfix"
                            + " loads as root: give it to root (chown root) or use a copy in a root-owned folder");
                }
                boolean sticky = !file && (mode & S_ISVTX) != 0;
                if ((mode & (S_IWGRP | S_IWOTH)) != 0 && !sticky) {
                    throw new TfixException(Reason.PERMISSION, what + " is writable by " + ((mode & S_IWOTH) != 0 ? "any user" : "its group")
                            + String.format(" (mode %04o), who could change the code tfix loads as root:", mode & 07777)
                            + " chmod go-w it");
                }
            } catch (IOException e) {
                throw new TfixException(Reason.BAD_PATCH_FILE, "cannot check the ownership of " + p + ": " + e.getMessage());
            }
            p = p.getParent();
            file = false;
        }
    }
}
