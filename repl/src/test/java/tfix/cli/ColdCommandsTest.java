package tfix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/**
 * Issue 18 goal 4: status, verify and revert on one process load neither Groovy (compiler or runtime) nor
 * Capstone/JNA, and still say what the scripts said. The JVM's own class-load log is the witness.
 */
class ColdCommandsTest {
    /** Classes the JVM loaded (its log, emptied for the next command) that a cold command must not need. */
    private List<String> heavy() throws java.io.IOException {
        return heavy(List.of());
    }

    /** What a command that does not attach must not load either. */
    private static final List<String> NOT_ATTACHED = List.of(" jnr.", " com.kenai.jffi", " org.objectweb.asm",
            " net.fornwall.jelf", " tfix.engine.ptrace.Ptrace ", " tfix.engine.elf.");

    private List<String> heavy(List<String> alsoHeavy) throws java.io.IOException {
        List<String> log = Files.readAllLines(classLog);
        Files.delete(classLog);
        assertTrue(log.size() > 500, "the class-load log is written: " + log.size() + " lines");
        return log.stream()
                .filter(l -> l.contains(" groovy") || l.contains(" org.codehaus.groovy") || l.contains(" org.apache.groovy")
                        || l.contains(" com.sun.jna") || l.contains(" capstone.") || l.contains(" org.jline")
                        || l.contains(" com.fasterxml.jackson") || alsoHeavy.stream().anyMatch(l::contains))
                .toList();
    }

    @TempDir
    Path dir;
    private Path classLog;

    /** The command with the JVM's class-load log in a file. */
    private CliTest.Result traced(String... args) throws Exception {
        classLog = dir.resolve("classes.log");
        // TFIX_NO_PRIORITY: on a saturated host a JVM not started raised (by the launcher) raises itself through libc.
        return CliTest.tfixWith(java.util.Map.of("JAVA_TOOL_OPTIONS", "-Xlog:class+load=info:file=" + classLog,
                        "TFIX_NO_PRIORITY", "1"),
                Path.of("..").toAbsolutePath().normalize(), args);
    }

    /** Standard error without the JVM's note of JAVA_TOOL_OPTIONS. */
    private static String err(CliTest.Result r) {
        return String.join("\n", r.err().lines().filter(l -> !l.startsWith("Picked up JAVA_TOOL_OPTIONS")).toList());
    }

    private static String printed(CliTest.Result r) {
        return r.out();
    }

    @Test
    void statusVerifyAndRevertLoadNoGroovyAndSayTheSame() throws Exception {
        Path exe = Targets.exe("scorer.c", "-pie", "-fPIE");
        Path patch = Targets.patch("scorer_patch.c");
        try (RunningTarget t = RunningTarget.start(exe)) {
            t.awaitLine("compute=40 static=16");
            String pid = Integer.toString(t.pid());
            CliTest.Result r = CliTest.tfix("exec", "attach " + pid + "; replace 'compute' with 'compute_v2' from '" + patch + "'");
            assertEquals(0, r.exit(), r.err());
            t.awaitLine("compute=1005");

            // status and verify read the process without attaching: no ptrace, libc binding (jnr-ffi, which generates
            // classes at every start) or ELF parser loaded.
            CliTest.Result st = traced("status", "--pid", pid);
            assertEquals(0, st.exit(), st.err());
            assertTrue(printed(st).startsWith("read process " + pid + " (") && printed(st).contains(" through /proc/" + pid
                    + "/mem, not attached: the process was not stopped"), st.out());
            assertTrue(printed(st).contains("1 patch in force") && printed(st).contains("compute -> compute_v2"), printed(st));
            assertFalse(printed(st).contains("attached to process"), printed(st));
            assertEquals(List.of(), heavy(NOT_ATTACHED));

            CliTest.Result vf = traced("verify", "--pid", pid);
            assertEquals(0, vf.exit(), vf.err());
            assertTrue(printed(vf).contains("jump in place") && printed(vf).contains("not attached"), printed(vf));
            assertEquals(List.of(), heavy(NOT_ATTACHED));

            // A journal of its own: the host's may be large, and log's start-up is what is looked at here.
            CliTest.Result log = CliTest.tfixWith(java.util.Map.of("JAVA_TOOL_OPTIONS", "-Xlog:class+load=info:file="
                    + classLog, "TFIX_JOURNAL", dir.resolve("journal.jsonl").toString(), "TFIX_NO_PRIORITY", "1"),
                    Path.of("..").toAbsolutePath().normalize(), "log", "--pid", pid);
            assertEquals(0, log.exit(), log.err());
            assertTrue(printed(log).contains("0 writes"), printed(log));
            assertEquals(List.of(), heavy(NOT_ATTACHED));

            CliTest.Result rv = traced("revert", "--pid", pid, "compute");
            assertEquals(0, rv.exit(), rv.err());
            assertTrue(printed(rv).contains("reverted compute") && printed(rv).contains("0 patches in force"), printed(rv));
            assertEquals(List.of(), heavy());
            t.awaitLine("compute=40");

            CliTest.Result none = traced("revert", "--pid", pid, "compute");
            assertEquals(1, none.exit());
            assertTrue(err(none).startsWith("tfix: ") && err(none).contains("'compute' is not replaced")
                    && err(none).lines().count() == 1, err(none));
            assertEquals(List.of(), heavy());

            CliTest.Result bad = CliTest.tfix("status", "--pid", "-3");
            assertEquals(1, bad.exit());
            assertEquals("tfix: attach takes a process id (a whole number above 0), not -3", bad.err().strip());
            assertFalse(t.traced());
        }
    }
}
