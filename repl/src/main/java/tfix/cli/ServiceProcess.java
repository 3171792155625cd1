package tfix.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/**
 * A service process tfix starts for the demo and the benchmarks: detached with setsid
 * (not a child of this JVM, whose process reaper would race the tracer's waitpid),
 * its output followed through a log file. It must print "ready pid=N" first.
 */
public final class ServiceProcess implements AutoCloseable {
    private final Path log;
    private final int pid;
    private final Matcher ready;
    private final List<String> unread = new ArrayList<>();
    private final StringBuilder partial = new StringBuilder();
    private long position;

    private ServiceProcess(Path log) {
        this.log = log;
        this.ready = await("ready pid=(\\d+).*", Duration.ofSeconds(30));
        this.pid = Integer.parseInt(ready.group(1));
    }

    public static ServiceProcess start(Path binary, String... args) throws IOException, InterruptedException {
        Path log = Files.createTempFile("tfix-service", ".log");
        List<String> cmd = new ArrayList<>(List.of("setsid", "-f", "sh", "-c", "exec \"$0\" \"$@\" >>\"" + log + "\" 2>&1 </dev/null",
                binary.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        if (p.waitFor() != 0) {
            throw new TfixException(Reason.IO, "cannot start " + binary);
        }
        return new ServiceProcess(log);
    }

    public int pid() {
        return pid;
    }

    /** The whole ready line, which may carry more than the pid (a port...). */
    public String readyLine() {
        return ready.group(0);
    }

    public Path log() {
        return log;
    }

    /** The next line matching {@code regex}; lines before it are passed over. */
    public Matcher await(String regex, Duration timeout) {
        Pattern p = Pattern.compile(regex);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            read();
            while (!unread.isEmpty()) {
                Matcher m = p.matcher(unread.remove(0));
                if (m.find()) {
                    return m;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new TfixException(Reason.IO, "the process printed no line matching '" + regex + "' within "
                        + timeout.toSeconds() + " s (see " + log + ")");
            }
            pause();
        }
    }

    /** Lines printed since the last call (or await), without waiting. */
    public List<String> drain() {
        read();
        List<String> out = new ArrayList<>(unread);
        unread.clear();
        return out;
    }

    static void pause() {
        try {
            Thread.sleep(2);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TfixException(Reason.CANCELLED, "interrupted");
        }
    }

    private void read() {
        try (var ch = Files.newByteChannel(log)) {
            ch.position(position);
            var buf = java.nio.ByteBuffer.allocate(1 << 16);
            int n;
            while ((n = ch.read(buf)) > 0) {
                position += n;
                partial.append(new String(buf.array(), 0, n, StandardCharsets.UTF_8));
                buf.clear();
            }
        } catch (IOException e) {
            return;
        }
        int nl;
        while ((nl = partial.indexOf("\n")) >= 0) {
            unread.add(partial.substring(0, nl));
            partial.delete(0, nl + 1);
        }
    }

    @Override
    public void close() {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        try {
            Files.deleteIfExists(log);
        } catch (IOException ignored) {
            // a temporary file
        }
    }
}
