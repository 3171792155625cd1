package tfix.cli.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import tfix.engine.TfixException;

/** A benchmark target process: started detached (setsid), followed through its log file. */
final class BenchTarget implements AutoCloseable {
    private final Path log;
    private final int pid;
    private long position;
    private final StringBuilder partial = new StringBuilder();
    private final List<String> lines = new ArrayList<>();

    private BenchTarget(Path log) {
        this.log = log;
        Matcher m = await("ready pid=(\\d+)", Duration.ofSeconds(30));
        this.pid = Integer.parseInt(m.group(1));
    }

    static BenchTarget start(Path binary, String... args) throws IOException, InterruptedException {
        Path log = Files.createTempFile("tfix-bench-target", ".log");
        List<String> cmd = new ArrayList<>(List.of("setsid", "-f", "sh", "-c", "exec \"$0\" \"$@\" >>" + log + " 2>&1 </dev/null",
                binary.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        p.waitFor();
        return new BenchTarget(log);
    }

    int pid() {
        return pid;
    }

    /** Every line read so far. */
    List<String> lines() {
        read();
        return lines;
    }

    Matcher await(String regex, Duration timeout) {
        Pattern p = Pattern.compile(regex);
        long deadline = System.nanoTime() + timeout.toNanos();
        int seen = 0;
        while (true) {
            read();
            for (; seen < lines.size(); seen++) {
                Matcher m = p.matcher(lines.get(seen));
                if (m.find()) {
                    lines.subList(0, seen + 1).clear();
                    return m;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new TfixException("benchmark target printed no line matching '" + regex + "' (log " + log + ")");
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TfixException("interrupted");
            }
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
            lines.add(partial.substring(0, nl));
            partial.delete(0, nl + 1);
        }
    }

    /**
     * The longest gap between two clock reads that the target's watcher saw around
     * [t0, t1] (System.nanoTime values: the same monotonic clock the target reads).
     * Waits for the watcher's report of a window that ends well after t1.
     */
    double maxGapMs(long t0, long t1) {
        Pattern gap = Pattern.compile("gap t=(\\d+) max_us=(\\d+)");
        long end = t1 + 200_000_000L;
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            read();
            long max = -1;
            boolean complete = false;
            for (String l : lines) {
                Matcher m = gap.matcher(l);
                if (m.find()) {
                    long t = Long.parseLong(m.group(1));
                    if (t > end) {
                        complete = true;
                    } else if (t >= t0) {
                        max = Math.max(max, Long.parseLong(m.group(2)));
                    }
                }
            }
            if (complete) {
                lines.clear();
                return max / 1000.0;
            }
            if (System.nanoTime() > deadline) {
                throw new TfixException("benchmark target stopped reporting its clock gaps (log " + log + ")");
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TfixException("interrupted");
            }
        }
    }

    @Override
    public void close() {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        try {
            Files.deleteIfExists(log);
        } catch (IOException ignored) {
            // a temp file
        }
    }
}
