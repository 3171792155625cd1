package tfix.engine.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A test target running as a real process. It is started through `setsid -f`, so it is
 * not a child of the test JVM (whose process reaper would otherwise race tfix's waitpid),
 * and writes to a log file that this class follows. The target must print
 * "ready pid=N" first (line-buffered); every later line is kept for awaitLine.
 */
public final class RunningTarget implements AutoCloseable {
    private static final Pattern READY = Pattern.compile("ready pid=(\\d+)");
    private final List<String> lines = new ArrayList<>();
    private final int pid;
    private final Path log;
    private volatile boolean closed;
    private int consumed;

    private RunningTarget(Path log) {
        this.log = log;
        Thread reader = new Thread(this::tail, "target-output");
        reader.setDaemon(true);
        reader.start();
        Matcher m = READY.matcher(awaitLine(l -> READY.matcher(l).find(), Duration.ofSeconds(20)));
        m.find();
        this.pid = Integer.parseInt(m.group(1));
    }

    /** Follows the log file the target writes (line-buffered) until the target is closed. */
    private void tail() {
        StringBuilder partial = new StringBuilder();
        long pos = 0;
        while (!closed) {
            try (var ch = Files.newByteChannel(log)) {
                ch.position(pos);
                var buf = java.nio.ByteBuffer.allocate(65536);
                int n;
                boolean any = false;
                while ((n = ch.read(buf)) > 0) {
                    any = true;
                    pos += n;
                    partial.append(new String(buf.array(), 0, n, StandardCharsets.UTF_8));
                    buf.clear();
                }
                int nl;
                while ((nl = partial.indexOf("\n")) >= 0) {
                    String line = partial.substring(0, nl);
                    partial.delete(0, nl + 1);
                    synchronized (lines) {
                        lines.add(line);
                        lines.notifyAll();
                    }
                }
                if (!any) {
                    Thread.sleep(2);
                }
            } catch (IOException | InterruptedException e) {
                return;
            }
        }
    }

    public static RunningTarget start(Path binary, String... args) {
        try {
            Path dir = Files.createTempDirectory("tfix-target");
            Path log = dir.resolve("out.log");
            Files.createFile(log);
            List<String> cmd = new ArrayList<>(List.of("setsid", "-f", "sh", "-c",
                    "exec \"$0\" \"$@\" >>" + log + " 2>&1 </dev/null", binary.toString()));
            cmd.addAll(List.of(args));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            p.waitFor();
            return new RunningTarget(log);
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    public int pid() {
        return pid;
    }

    /** Waits for the next line (after those already awaited) that matches. */
    public String awaitLine(Predicate<String> match, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lines) {
            while (true) {
                while (consumed < lines.size()) {
                    String l = lines.get(consumed++);
                    if (match.test(l)) {
                        return l;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no matching line within " + timeout + "; last lines: "
                            + lines.subList(Math.max(0, lines.size() - 10), lines.size()));
                }
                try {
                    lines.wait(TimeUnit.NANOSECONDS.toMillis(left) + 1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(e);
                }
            }
        }
    }

    public String awaitLine(String regex, Duration timeout) {
        Pattern p = Pattern.compile(regex);
        return awaitLine(l -> p.matcher(l).find(), timeout);
    }

    public String awaitLine(String regex) {
        return awaitLine(regex, Duration.ofSeconds(20));
    }

    public List<String> output() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    /** State letter from /proc (R, S, D, t, T, Z...), empty once gone. */
    public Optional<Character> state() {
        try {
            String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
            return Optional.of(stat.charAt(stat.lastIndexOf(')') + 2));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    public boolean alive() {
        return state().map(c -> c != 'Z' && c != 'X').orElse(false);
    }

    /** TracerPid of every thread: all must be 0 for a target tfix has let go of. */
    public boolean traced() {
        try (var s = Files.list(Path.of("/proc", Integer.toString(pid), "task"))) {
            for (Path t : s.toList()) {
                for (String l : Files.readAllLines(t.resolve("status"))) {
                    if (l.startsWith("TracerPid:") && !l.substring(10).trim().equals("0")) {
                        return true;
                    }
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    @Override
    public void close() {
        closed = true;
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
}
