package tfix.engine.guard;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.sys.RegularFiles;

/**
 * SHA-256 of a file, as pins and the journal name patch files. The path may come from a
 * target's record: only a regular file (not a link, FIFO or device) of bounded size is read.
 */
public final class FileDigest {
    /** Largest patch file tfix hashes. */
    public static final long MAX_SIZE = 1L << 30;

    private FileDigest() {
    }

    public static String sha256(Path file) {
        try (FileChannel ch = RegularFiles.open(file, MAX_SIZE, false)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ByteBuffer buf = ByteBuffer.allocate(1 << 16);
            long left = MAX_SIZE;
            while (left > 0 && ch.read(buf.clear()) > 0) {
                left -= buf.position();
                md.update(buf.flip());
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new TfixException(Reason.IO, "cannot read " + file + ": " + e.getMessage());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
