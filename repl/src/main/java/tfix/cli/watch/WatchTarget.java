package tfix.cli.watch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.process.FileIdentity;

/**
 * The file a watch is about: a program (it has an interpreter, or is a fixed-address executable: processes run
 * it) or a library (processes map it). Known by device and inode: an upgraded file is another file.
 */
record WatchTarget(Path path, FileIdentity identity, boolean library) {
    private static final int ET_EXEC = 2, PT_INTERP = 3;

    static WatchTarget of(Path path) {
        Path abs = path.toAbsolutePath().normalize();
        if (!Files.isRegularFile(abs)) {
            throw new TfixException(Reason.BAD_INPUT, "--all " + path + ": no such file: give the path of the program or"
                    + " library whose processes to patch (e.g. --all /usr/bin/gameserver)");
        }
        FileIdentity id = FileIdentity.of(abs).orElseThrow(() -> new TfixException(Reason.BAD_INPUT,
                "--all " + path + ": cannot read the file's device and inode: check its permissions"));
        return new WatchTarget(abs, id, !isProgram(abs));
    }

    /** ELF header and program headers: a program has PT_INTERP (or is ET_EXEC); a library has neither. */
    private static boolean isProgram(Path file) {
        try (FileChannel ch = FileChannel.open(file)) {
            ByteBuffer h = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(h, 0);
            if (h.getInt(0) != 0x464c457f || h.get(4) != 2) {
                throw new TfixException(Reason.BAD_INPUT, "--all " + file + ": not a 64-bit ELF program or library");
            }
            if (h.getShort(16) == ET_EXEC) {
                return true;
            }
            long phoff = h.getLong(32);
            int size = Short.toUnsignedInt(h.getShort(54));
            int count = Math.min(Short.toUnsignedInt(h.getShort(56)), 512);
            ByteBuffer ph = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < count; i++) {
                ph.clear();
                if (ch.read(ph, phoff + (long) i * size) == 4 && ph.getInt(0) == PT_INTERP) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            throw new TfixException(Reason.BAD_INPUT, "--all " + file + ": cannot read it: " + e.getMessage());
        }
    }

    String kind() {
        return library ? "library" : "program";
    }
}
