package tfix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tfix.engine.testing.Await;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/** tfix watch, run as its own process against real targets started before and after it. */
class WatchTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    /** The watch command line as a process, its output in a file the test follows; closing kills it. */
    static final class Watch implements AutoCloseable {
        final Process process;
        final Path out;
        final Path err;

        Watch(Path dir, String... args) throws IOException {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), "tfix.cli.Main", "watch"));
            cmd.addAll(List.of(args));
            out = dir.resolve("watch.out");
            err = dir.resolve("watch.err");
            process = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        }

        String output() {
            try {
                return Files.readString(out) + Files.readString(err);
            } catch (IOException e) {
                return "";
            }
        }

        /** Waits for a line of the watch's output matching {@code regex}; returns the match. */
        Matcher await(String regex) {
            Pattern p = Pattern.compile(regex, Pattern.MULTILINE);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < deadline) {
                Matcher m = p.matcher(output());
                if (m.find()) {
                    return m;
                }
                if (!process.isAlive()) {
                    break;
                }
                try {
                    Thread.sleep(5); // polling a file the watch writes: the event is the line itself
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            throw new AssertionError("no line matching " + regex + " in the watch's output:\n" + output());
        }

        /** SIGTERM, then the exit code. */
        int terminate() throws InterruptedException {
            process.destroy();
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the watch did not stop: " + output());
            return process.exitValue();
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    private static Path script(Path dir, Path patch) throws IOException {
        Path script = dir.resolve("fix.tfix.groovy");
        Files.writeString(script, "attach pid\nreplace 'compute' with 'compute_v2' from '" + patch + "'\ndetach\n");
        return script;
    }

    /**
     * Issue 10: a process started after the watch began is patched before its first call (its ready line
     * carries that call's result); the one running before is patched too; status of the new one lists the
     * patch; SIGTERM ends the watch with 0 and a summary, and leaves both processes patched and untraced.
     */
    @Test
    void aNewProcessIsPatchedBeforeItServesAndStoppingChangesNothing(@TempDir Path dir) throws Exception {
        Path exe = Targets.exe("watched.c", "-pie", "-fPIE");
        Path script = script(dir, Targets.patch("scorer_patch.c"));
        try (RunningTarget before = RunningTarget.start(exe);
             Watch w = new Watch(dir, script.toString(), "--all", exe.toString())) {
            assertTrue(before.output().get(0).endsWith("first=40"), before.output().toString());
            w.await("^watching " + Pattern.quote(exe.toString()) + " \\(program\\): 1 process running it; new processes"
                    + " through exec permission events");
            w.await("^pid " + before.pid() + ": replaced compute with compute_v2");
            before.awaitLine("compute=1005");
            try (RunningTarget after = RunningTarget.start(exe)) {
                assertTrue(after.output().get(0).endsWith("first=1005"), "the first call already ran the patch: " + after.output() + "\n" + w.output());
                w.await("^pid " + after.pid() + ": new process " + after.pid() + " held at its entry point");
                w.await("^pid " + after.pid() + ": replaced compute with compute_v2");
                CliTest.Result st = CliTest.tfix("status", "--pid", Integer.toString(after.pid()));
                assertEquals(0, st.exit(), st.err());
                assertTrue(st.out().contains("compute -> compute_v2"), st.out());

                assertEquals(0, w.terminate(), w.output());
                assertTrue(w.output().contains("watch stopped: 2 patched, 0 already patched, 0 failed, 0 gone"), w.output());
                for (RunningTarget t : List.of(before, after)) {
                    assertTrue(t.alive());
                    assertFalse(t.traced());
                    CliTest.Result v = CliTest.tfix("verify", "--pid", Integer.toString(t.pid()));
                    assertEquals(0, v.exit(), v.out() + v.err());
                }
            }
        }
    }

    /**
     * Processes started while the watch applies a slow patch (a constructor of a second) to another: each is held
     * at its entry until its turn, and each ran the patch from its first call. A process that exits right after
     * its exec and one killed while held are dropped, and the watch goes on; a second watch finds them all
     * "already replaced".
     */
    @Test
    void processesStartedDuringAnApplyWaitAndOnesThatExitAreDropped(@TempDir Path dir) throws Exception {
        Path exe = Targets.exe("watched.c");
        Path script = script(dir, Targets.patch("watched_slow_patch.c"));
        List<RunningTarget> started = new ArrayList<>();
        try (Watch w = new Watch(dir, script.toString(), "--all", exe.toString())) {
            w.await("^watching .*: 0 processes running it");
            Process quick = new ProcessBuilder(exe.toString(), "exit").start();
            assertTrue(quick.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, quick.exitValue());

            Process killed = new ProcessBuilder(exe.toString()).start();
            try {
                Await.until(WAIT, () -> Files.readString(Path.of("/proc/" + killed.pid() + "/status")).matches("(?s).*TracerPid:\\s+[1-9].*"));
            } finally {
                killed.destroyForcibly();
            }
            assertTrue(killed.waitFor(30, TimeUnit.SECONDS));

            var starts = List.of(java.util.concurrent.CompletableFuture.supplyAsync(() -> RunningTarget.start(exe)),
                    java.util.concurrent.CompletableFuture.supplyAsync(() -> RunningTarget.start(exe)),
                    java.util.concurrent.CompletableFuture.supplyAsync(() -> RunningTarget.start(exe)));
            try {
                for (var f : starts) {
                    started.add(f.get(WAIT.toSeconds(), TimeUnit.SECONDS));
                }
            } finally {
                for (var f : starts) {
                    f.thenAccept(t -> {
                        if (!started.contains(t)) {
                            t.close();
                        }
                    });
                }
            }
            for (RunningTarget t : started) {
                assertTrue(t.output().get(0).endsWith("first=1005"), t.output() + "\n" + w.output());
                w.await("^pid " + t.pid() + ": replaced compute with compute_v2");
            }
            w.await("^pid " + killed.pid() + ": gone: ");
            assertTrue(w.process.isAlive());
            Path second = Files.createDirectory(dir.resolve("second"));
            try (Watch again = new Watch(second, script.toString(), "--all", exe.toString())) {
                for (RunningTarget t : started) {
                    again.await("^pid " + t.pid() + ": compute already replaced");
                }
                assertEquals(0, again.terminate(), again.output());
                assertTrue(again.output().contains("watch stopped: 0 patched, 3 already patched, 0 failed, 0 gone"), again.output());
            }
            assertEquals(0, w.terminate(), w.output());
            assertTrue(w.output().contains("watch stopped: 4 patched, 0 already patched, 0 failed, 1 gone"), w.output());
            for (RunningTarget t : started) {
                assertTrue(t.alive());
                assertFalse(t.traced());
            }
        } finally {
            started.forEach(RunningTarget::close);
        }
    }

    /**
     * A script failing for one process (it names a function that process lacks) leaves that process running the
     * old code, untraced, its entry point's byte back (it runs from there and prints), and the watch goes on with
     * the next; stopping then exits 1 and counts the failure.
     */
    @Test
    void aFailureLeavesItsProcessAsItWasAndTheWatchGoesOn(@TempDir Path dir) throws Exception {
        Path exe = Targets.exe("watched.c");
        Path script = dir.resolve("fix.tfix.groovy");
        // The function to replace is the process's first argument, when it has one: "nosuch" makes it fail.
        Files.writeString(script, "attach pid\n"
                + "def name = new File('/proc/' + pid + '/cmdline').text.split('\\u0000').drop(1).find() ?: 'compute'\n"
                + "replace name with 'compute_v2' from '" + Targets.patch("scorer_patch.c") + "'\ndetach\n");
        try (Watch w = new Watch(dir, script.toString(), "--all", exe.toString())) {
            w.await("^watching .*: 0 processes running it");
            try (RunningTarget bad = RunningTarget.start(exe, "nosuch"); RunningTarget good = RunningTarget.start(exe)) {
                assertTrue(bad.output().get(0).endsWith("first=40"), bad.output().toString());
                w.await("^pid " + bad.pid() + ": failed: fix.tfix.groovy:3: function 'nosuch' not found");
                assertTrue(good.output().get(0).endsWith("first=1005"), good.output() + "\n" + w.output());
                assertFalse(bad.traced());
                assertTrue(bad.alive());
                assertEquals(1, w.terminate(), w.output());
                assertTrue(w.output().contains("watch stopped: 1 patched, 0 already patched, 1 failed, 0 gone"), w.output());
                CliTest.Result st = CliTest.tfix("status", "--pid", Integer.toString(bad.pid()));
                assertEquals(0, st.exit(), st.err());
                assertTrue(st.out().contains("process " + bad.pid() + ": 0 patches in force"), st.out());
            }
        }
    }

    /**
     * SIGTERM while a new process is being patched (its patch's constructor takes a second): the watch finishes
     * that process, then exits 0; the process runs patched from its first call, untraced.
     */
    @Test
    void stoppingFinishesTheProcessInProgress(@TempDir Path dir) throws Exception {
        Path exe = Targets.exe("watched.c");
        Path script = script(dir, Targets.patch("watched_slow_patch.c"));
        try (Watch w = new Watch(dir, script.toString(), "--all", exe.toString())) {
            w.await("^watching .*: 0 processes running it");
            var start = java.util.concurrent.CompletableFuture.supplyAsync(() -> RunningTarget.start(exe));
            try {
                // Held: traced by the watch and nothing printed yet.
                Await.until(WAIT, () -> ProcessHandle.allProcesses().anyMatch(p -> p.info().command().map(
                        c -> c.equals(exe.toString())).orElse(false) && traced(p.pid())));
                assertFalse(start.isDone());
                assertEquals(0, w.terminate(), w.output());
                try (RunningTarget t = start.get(WAIT.toSeconds(), TimeUnit.SECONDS)) {
                    assertTrue(t.output().get(0).endsWith("first=1005"), t.output() + "\n" + w.output());
                    assertTrue(w.output().contains("pid " + t.pid() + ": replaced compute with compute_v2"), w.output());
                    assertTrue(w.output().contains("watch stopped: 1 patched, 0 already patched, 0 failed, 0 gone"), w.output());
                    assertFalse(t.traced());
                }
            } finally {
                start.thenAccept(RunningTarget::close);
            }
        }
    }

    private static boolean traced(long pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/status")).matches("(?s).*TracerPid:\\s+[1-9].*");
        } catch (IOException e) {
            return false;
        }
    }

    /** The connector, asynchronous: a new process is patched, at its entry when caught in time, else as it runs. */
    @Test
    void theConnectorFindsNewProcesses(@TempDir Path dir) throws Exception {
        Path exe = Targets.exe("watched.c");
        Path script = script(dir, Targets.patch("scorer_patch.c"));
        try (Watch w = new Watch(dir, script.toString(), "--all", exe.toString(), "--source", "connector")) {
            w.await("new processes through the kernel's process events connector");
            try (RunningTarget t = RunningTarget.start(exe)) {
                w.await("^pid " + t.pid() + ": replaced compute with compute_v2");
                Await.until(WAIT, () -> t.output().stream().anyMatch(l -> l.contains("1005")));
                assertEquals(0, w.terminate(), w.output());
                assertFalse(t.traced());
            }
        }
    }

    /** A library loaded with dlopen long after the exec is patched when it appears in the maps. */
    @Test
    void aLibraryLoadedLaterIsPatchedWhenItAppears(@TempDir Path dir) throws Exception {
        Path lib = Targets.patch("libshared.c");
        Path exe = Targets.exe("dl_later.c", "-ldl");
        Path script = dir.resolve("fix.tfix.groovy");
        Files.writeString(script, "attach pid\nreplace 'lib_compute' with 'lib_compute_v2' from '"
                + Targets.patch("libshared_patch.c") + "'\ndetach\n");
        Path go = dir.resolve("go");
        try (Watch w = new Watch(dir, script.toString(), "--all", lib.toString())) {
            w.await("^watching .* \\(library\\): 0 processes");
            try (RunningTarget t = RunningTarget.start(exe, lib.toString(), go.toString())) {
                Files.writeString(go, "");
                t.awaitLine("loaded");
                w.await("^pid " + t.pid() + ": replaced lib_compute with lib_compute_v2");
                t.awaitLine("lib_compute=3000");
                assertEquals(0, w.terminate(), w.output());
                assertFalse(t.traced());
            }
        }
    }

    /** Without the connector (--poll): new processes are found by polling /proc, and said so. */
    @Test
    void thePollFallbackFindsNewProcesses(@TempDir Path dir) throws Exception {
        Path exe = Targets.exe("watched.c");
        Path script = script(dir, Targets.patch("scorer_patch.c"));
        try (Watch w = new Watch(dir, script.toString(), "--all", exe.toString(), "--source", "poll")) {
            w.await("new processes through a /proc poll every 50 ms");
            try (RunningTarget t = RunningTarget.start(exe)) {
                w.await("^pid " + t.pid() + ": replaced compute with compute_v2");
                Await.until(WAIT, () -> t.output().stream().anyMatch(l -> l.contains("1005")));
                assertEquals(0, w.terminate(), w.output());
                assertFalse(t.traced());
            }
        }
    }

    @Test
    void badInputIsOneLine(@TempDir Path dir) throws Exception {
        Path script = script(dir, Targets.patch("scorer_patch.c"));
        CliTest.Result noAll = CliTest.tfix("watch", script.toString());
        assertEquals(2, noAll.exit());
        assertEquals(1, noAll.err().lines().count(), noAll.err());
        assertTrue(noAll.err().startsWith("tfix: watch needs --all PATH"), noAll.err());
        CliTest.Result missing = CliTest.tfix("watch", script.toString(), "--all", dir.resolve("nosuch").toString());
        assertEquals(2, missing.exit());
        assertEquals(1, missing.err().lines().count(), missing.err());
        assertTrue(missing.err().contains("no such file"), missing.err());
        CliTest.Result unknown = CliTest.tfix("watch", script.toString(), "--all", "/bin/true", "--frob");
        assertEquals(2, unknown.exit());
        assertTrue(unknown.err().contains("--frob"), unknown.err());
    }
}
