package tfix.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import tfix.engine.TfixException;

/** Follows a log file a service writes line by line, and waits for lines that match. */
final class ServiceLog {
    private final Path file;
    private long position;
    private final StringBuilder partial = new StringBuilder();

    ServiceLog(Path file) {
        this.file = file;
    }

    /** The next line matching {@code regex}, or an error after {@code timeout}. */
    Matcher await(String regex, Duration timeout) {
        Pattern p = Pattern.compile(regex);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String line;
            while ((line = nextLine()) != null) {
                Matcher m = p.matcher(line);
                if (m.find()) {
                    return m;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new TfixException("the sample service printed no line matching '" + regex + "' within "
                        + timeout.toSeconds() + " s (see " + file + ")");
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TfixException("interrupted");
            }
        }
    }

    private String nextLine() {
        int nl = partial.indexOf("\n");
        if (nl < 0) {
            try (var ch = Files.newByteChannel(file)) {
                ch.position(position);
                var buf = java.nio.ByteBuffer.allocate(65536);
                int n;
                while ((n = ch.read(buf)) > 0) {
                    position += n;
                    partial.append(new String(buf.array(), 0, n, StandardCharsets.UTF_8));
                    buf.clear();
                }
            } catch (IOException e) {
                return null;
            }
            nl = partial.indexOf("\n");
            if (nl < 0) {
                return null;
            }
        }
        String line = partial.substring(0, nl);
        partial.delete(0, nl + 1);
        return line;
    }
}
