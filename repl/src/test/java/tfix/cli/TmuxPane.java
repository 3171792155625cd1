package tfix.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tfix command line running in a real pseudo-terminal: a detached tmux session on a
 * private server. Keys go in with send-keys; the screen (with its scrollback) is read with
 * capture-pane and polled until the expected text shows, each match consuming the screen
 * up to its end so that the next one looks only at what came after.
 */
final class TmuxPane implements AutoCloseable {
    private static final Duration WAIT = Duration.ofSeconds(20);
    /** The server's socket, in the pane's own folder: with -L, tmux would leave /tmp/tmux-UID behind. */
    private final Path socket;
    private final Path scriptDir;
    private final Path exitFile;
    /** The tmux server's socket file, which the server leaves behind when it is killed. */
    private Path socketFile;
    private int consumed;

    private TmuxPane(Path scriptDir) {
        this.socket = scriptDir.resolve("tmux.sock");
        this.scriptDir = scriptDir;
        this.exitFile = scriptDir.resolve("exit");
    }

    /** Runs `tfix ARGS` in {@code dir} with the tests' JVM and class path; {@code stateHome} is XDG_STATE_HOME. */
    static TmuxPane start(Path dir, Path stateHome, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("env", "LC_ALL=C.UTF-8", "XDG_STATE_HOME=" + stateHome,
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC", "-Xshare:auto", "-cp", System.getProperty("java.class.path"), "tfix.cli.Main"));
        cmd.addAll(List.of(args));
        // A script rather than a tmux argument: the class path can be long. bash, not exec: tmux does not
        // always learn a pane's exit status, so the script writes it; and bash, unlike dash, goes on
        // after a Ctrl-C that its child handled.
        TmuxPane p = new TmuxPane(Files.createTempDirectory("tfix-pane"));
        Path script = p.scriptDir.resolve("run.sh");
        Files.writeString(script, String.join(" ", cmd.stream().map(TmuxPane::quote).toList()) + "\necho $? >"
                + quote(p.exitFile.toString()) + "\n");
        // remain-on-exit keeps the screen readable after the program ends.
        p.tmux("-f", "/dev/null", "new-session", "-d", "-s", "repl", "-x", "200", "-y", "50", "-c", dir.toString(),
                "bash " + quote(script.toString()), ";", "set-option", "-g", "remain-on-exit", "on");
        p.socketFile = Path.of(p.tmux("display-message", "-p", "#{socket_path}").trim());
        return p;
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    private String tmux(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-S", socket.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("TMUX");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("tmux " + String.join(" ", args) + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        return out;
    }

    /** Types text as it is (no key names). */
    void type(String text) throws IOException {
        tmux("send-keys", "-t", "repl", "-l", text);
    }

    /** Presses keys by tmux name: Enter, Tab, C-c, C-d. */
    void keys(String... keys) throws IOException {
        List<String> a = new ArrayList<>(List.of("send-keys", "-t", "repl"));
        a.addAll(List.of(keys));
        tmux(a.toArray(String[]::new));
    }

    /** Types a line and presses Enter. */
    void line(String text) throws IOException {
        type(text);
        keys("Enter");
    }

    /** The whole pane: scrollback and screen, wrapped lines joined. */
    String screen() throws IOException {
        return tmux("capture-pane", "-p", "-J", "-S", "-", "-E", "-", "-t", "repl");
    }

    /** Waits until {@code regex} matches after the last match (^ is right after it); returns the match. */
    MatchResult expect(String regex) throws IOException {
        Pattern p = Pattern.compile(regex);
        long deadline = System.nanoTime() + WAIT.toNanos();
        String s;
        do {
            // Without the blank rows below the text: a match must not reach into where later output goes.
            s = screen().stripTrailing();
            Matcher m = p.matcher(s);
            if (consumed <= s.length() && m.region(consumed, s.length()).find()) {
                consumed = m.end();
                return m.toMatchResult();
            }
            pause();
        } while (System.nanoTime() < deadline);
        throw new AssertionError("no /" + regex + "/ on the screen within " + WAIT + " after offset " + consumed
                + "; the screen:\n" + s.stripTrailing() + "\n[end of screen]\nthreads:\n" + jstack());
    }

    /** Waits for the program to end; its exit status. */
    int awaitExit() throws IOException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            String st = Files.exists(exitFile) ? Files.readString(exitFile).trim() : "";
            if (!st.isEmpty()) {
                return Integer.parseInt(st);
            }
            pause();
        }
        throw new AssertionError("the program in the pane did not end; screen:\n" + screen() + "\nthreads:\n" + jstack());
    }

    /** The Java threads of the program in the pane (a child of the pane's bash), to see where it is stuck. */
    private String jstack() throws IOException {
        String shell = tmux("display-message", "-p", "-t", "repl", "#{pane_pid}").trim();
        StringBuilder sb = new StringBuilder();
        for (ProcessHandle h : ProcessHandle.of(Long.parseLong(shell)).map(ph -> ph.children().toList()).orElse(List.of())) {
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jstack").toString(),
                    Long.toString(h.pid())).redirectErrorStream(true).start();
            sb.append(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
        return sb.toString();
    }

    private static void pause() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Ends the tmux server; a REPL still running gets SIGHUP, and detaches on its way out. Deletes the script. */
    @Override
    public void close() throws IOException {
        try {
            tmux("kill-server");
        } catch (IOException e) {
            // Already gone.
        }
        if (socketFile != null) {
            Files.deleteIfExists(socketFile);
        }
        // The pane's shell may still be writing its exit status as the server goes: try a few times.
        for (int i = 0; i < 50 && Files.exists(scriptDir); i++) {
            try {
                Files.deleteIfExists(scriptDir.resolve("run.sh"));
                Files.deleteIfExists(exitFile);
                Files.deleteIfExists(scriptDir);
            } catch (IOException e) {
                pause();
            }
        }
    }
}
