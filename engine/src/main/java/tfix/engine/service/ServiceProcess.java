package tfix.engine.service;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A program started detached with {@code setsid -f} (not a child of this JVM, whose process
 * reaper would race a tracer's waitpid), its output and errors going to a temporary log file
 * that this class follows. The program must print "ready pid=N" first, line-buffered; the
 * lines after it are read as they come. {@link #close} stops the program and deletes the log.
 */
public final class ServiceProcess implements AutoCloseable {
    private static final Pattern READY = Pattern.compile("ready pid=(\\d+)");
    private final Path log;
    private final List<String> lines = new ArrayList<>();
    private final StringBuilder partial = new StringBuilder();
    private final int pid;
    private final String readyLine;
    private long position;
    private int consumed;

    private ServiceProcess(Path log, Duration readyTimeout) throws StartFailure {
        this.log = log;
        Optional<String> ready = awaitLine(l -> READY.matcher(l).find(), readyTimeout);
        if (ready.isEmpty()) {
            throw new StartFailure("the process printed no line matching '" + READY + "' within "
                    + readyTimeout.toSeconds() + " s; its last lines: " + lastLines(10));
        }
        Matcher m = READY.matcher(ready.get());
        m.find();
        this.readyLine = ready.get();
        this.pid = Integer.parseInt(m.group(1));
    }

    /** Starting failed: the program could not be started, or did not say it was ready in time. */
    public static final class StartFailure extends IOException {
        StartFailure(String message) {
            super(message);
        }
    }

    /**
     * Starts {@code binary} with {@code args} and waits up to {@code readyTimeout} for its ready line.
     * On failure nothing is left behind: the log is deleted (a program that started is stopped
     * if it said its pid).
     */
    public static ServiceProcess start(Path binary, Duration readyTimeout, String... args) throws IOException, InterruptedException {
        Path log = Files.createTempFile("tfix-service", ".log");
        // Closing deletes it; this is for a JVM told to stop (Ctrl-C) before it could close.
        log.toFile().deleteOnExit();
        try {
            // The shell notes its pid (the program's, after exec) beside the log: a program that never says it is
            // ready is still stopped.
            List<String> cmd = new ArrayList<>(List.of("setsid", "-f", "sh", "-c",
                    "echo $$ >\"" + log + ".pid\"; exec \"$0\" \"$@\" >>\"" + log + "\" 2>&1 </dev/null", binary.toString()));
            cmd.addAll(List.of(args));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (p.waitFor() != 0) {
                throw new StartFailure("cannot start " + binary);
            }
            return new ServiceProcess(log, readyTimeout);
        } catch (IOException | InterruptedException | RuntimeException e) {
            stopStarted(log);
            Files.deleteIfExists(log);
            throw e;
        } finally {
            Files.deleteIfExists(Path.of(log + ".pid"));
        }
    }

    /** Stops the program a failed start left running, found by the pid its shell noted. */
    private static void stopStarted(Path log) {
        try {
            long started = Long.parseLong(Files.readString(Path.of(log + ".pid")).trim());
            ProcessHandle.of(started).ifPresent(p -> {
                p.destroyForcibly();
                p.onExit().completeOnTimeout(p, 5, java.util.concurrent.TimeUnit.SECONDS).join();
            });
        } catch (IOException | RuntimeException e) {
            // Nothing noted: the shell never ran.
        }
    }

    public int pid() {
        return pid;
    }

    /** The whole ready line, which may carry more than the pid (a port...). */
    public String readyLine() {
        return readyLine;
    }

    /** The log file the program writes to (deleted by {@link #close}). */
    public Path log() {
        return log;
    }

    /**
     * The next line, after those already awaited or drained, that matches; lines before it are
     * passed over. Empty when none came within {@code timeout}.
     */
    public synchronized Optional<String> awaitLine(Predicate<String> match, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            read();
            while (consumed < lines.size()) {
                String l = lines.get(consumed++);
                if (match.test(l)) {
                    return Optional.of(l);
                }
            }
            if (System.nanoTime() - deadline > 0) {
                return Optional.empty();
            }
            try {
                wait(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
    }

    /** The next line that {@code regex} finds something in, as a match; empty when none came in time. */
    public Optional<Matcher> await(String regex, Duration timeout) {
        Pattern p = Pattern.compile(regex);
        return awaitLine(l -> p.matcher(l).find(), timeout).map(l -> {
            Matcher m = p.matcher(l);
            m.find();
            return m;
        });
    }

    /** Lines printed since the last await or drain, without waiting. */
    public synchronized List<String> drain() {
        read();
        List<String> out = List.copyOf(lines.subList(consumed, lines.size()));
        consumed = lines.size();
        return out;
    }

    /** Every line printed so far, the ready line first. */
    public synchronized List<String> output() {
        read();
        return List.copyOf(lines);
    }

    /** The last {@code n} lines printed so far. */
    public synchronized List<String> lastLines(int n) {
        return List.copyOf(lines.subList(Math.max(0, lines.size() - n), lines.size()));
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

    /** Whether any thread has a tracer (TracerPid not 0). */
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

    /** Reads what the log gained since the last read and splits it into whole lines. */
    private void read() {
        try (var ch = Files.newByteChannel(log)) {
            ch.position(position);
            ByteBuffer buf = ByteBuffer.allocate(1 << 16);
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

    /** Stops the program (SIGKILL) and deletes its log. */
    @Override
    public void close() {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        try {
            Files.deleteIfExists(log);
        } catch (IOException ignored) {
            // The log is a temporary file: nothing more to do.
        }
    }
}
