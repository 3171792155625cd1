package tfix.engine.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The test targets and patches, compiled on first use. */
public final class Targets {
    private Targets() {
    }

    public static Path exe(String source, String... flags) {
        String[] all = new String[flags.length + 1];
        all[0] = "-O1";
        System.arraycopy(flags, 0, all, 1, flags.length);
        return CTargets.compile(source, CTargets.resource(source), all);
    }

    public static Path patch(String source, String... flags) {
        String[] all = new String[flags.length + 3];
        all[0] = "-O1";
        all[1] = "-shared";
        all[2] = "-fPIC";
        System.arraycopy(flags, 0, all, 3, flags.length);
        return CTargets.compile(source, CTargets.resource(source), all);
    }

    /** The bytes a process has at an address, through /proc (for "unchanged" checks). */
    public static byte[] peek(int pid, long address, int length) {
        try (var ch = java.nio.channels.FileChannel.open(Path.of("/proc", Integer.toString(pid), "mem"))) {
            var buf = java.nio.ByteBuffer.allocate(length);
            ch.read(buf, address);
            return buf.array();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static boolean mapsMention(int pid, String text) {
        try {
            return Files.readString(Path.of("/proc", Integer.toString(pid), "maps")).contains(text);
        } catch (IOException e) {
            return false;
        }
    }
}
