package tfix.cli.restart;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import tfix.engine.restart.ProcFiles;

/**
 * The new program's error output, for the message when it fails. It writes to the old program's fd 2 (kept, as
 * the issue asks: its errors go where the service's always went); when that is a file (a log), what was added
 * since the spawn is read back from it. A pipe or a terminal cannot be read again: the message says where to look.
 */
final class ErrorTail {
    private final Path fd2;
    private final long start;
    private final String where;

    private ErrorTail(Path fd2, long start, String where) {
        this.fd2 = fd2;
        this.start = start;
        this.where = where;
    }

    /** Notes where the old program's error output stands now. */
    static ErrorTail mark(ProcFiles proc) {
        Path fd2 = Path.of("/proc", Integer.toString(proc.pid()), "fd", "2");
        String where;
        try {
            where = proc.link("fd/2");
        } catch (IOException e) {
            where = "nowhere tfix can see";
        }
        if (!Files.isReadable(fd2) && where.startsWith("/")) {
            fd2 = Path.of(where); // kept from tfix (the process forbids ptrace): the file its agent named
        }
        long start = -1;
        if (Files.isRegularFile(fd2)) {
            try {
                start = Files.size(fd2);
            } catch (IOException e) {
                start = -1;
            }
        }
        return new ErrorTail(fd2, start, where);
    }

    /** Its last lines since the mark, or where to look for them. */
    String lastLines(int n) {
        if (start < 0) {
            return "its error output went to the old program's (" + where + ")";
        }
        try (RandomAccessFile f = new RandomAccessFile(fd2.toFile(), "r")) {
            long from = Math.max(start, f.length() - 16384);
            byte[] b = new byte[(int) (f.length() - from)];
            f.seek(from);
            f.readFully(b);
            List<String> lines = new String(b, StandardCharsets.UTF_8).lines().toList();
            List<String> last = lines.subList(Math.max(0, lines.size() - n), lines.size());
            return last.isEmpty() ? "it wrote nothing to " + where
                    : "its last lines in " + where + ": " + String.join(" | ", last);
        } catch (IOException e) {
            return "its error output went to " + where;
        }
    }
}
