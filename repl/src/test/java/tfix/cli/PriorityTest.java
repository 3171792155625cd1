package tfix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * Issue 18 goal 3: as root, a command raised (on a saturated host by itself, FairNiceTest; here TFIX_PRIORITY=-19
 * says so) runs with every one of its JVM's threads at that level, threads started later too (nice is per thread on
 * Linux); --no-priority and TFIX_NO_PRIORITY=1 leave it as started. The script reads the nice values of its own JVM
 * from /proc, as any observer would.
 */
class PriorityTest {
    /** Prints the distinct nice values of the JVM's threads now, and that of a thread started afterwards. */
    private static final String SCRIPT = "def nice = { f -> def s = new File(f).text; s.substring(s.lastIndexOf(')') + 2).split(' ')[16] as int }\n"
            + "def now = new File('/proc/self/task').listFiles().collect { nice(it.path + '/stat') }.unique().sort()\n"
            + "def later = null\n"
            + "Thread.start { later = nice('/proc/thread-self/stat') }.join()\n"
            + "println \"threads \" + now.join(',') + \" later \" + later\n";
    private static final Pattern LINE = Pattern.compile("threads (\\S+) later (\\S+)");

    private static String[] run(Map<String, String> env, String... options) throws Exception {
        String[] args = new String[options.length + 2];
        args[0] = "exec";
        System.arraycopy(options, 0, args, 1, options.length);
        args[args.length - 1] = SCRIPT;
        CliTest.Result r = CliTest.tfixWith(env, Path.of("..").toAbsolutePath().normalize(), args);
        assertEquals(0, r.exit(), r.err());
        Matcher m = LINE.matcher(r.out());
        assertEquals(true, m.find(), r.out());
        return new String[] {m.group(1), m.group(2)};
    }

    private static int ownNice() throws Exception {
        String s = Files.readString(Path.of("/proc/self/stat"));
        return Integer.parseInt(s.substring(s.lastIndexOf(')') + 2).split(" ")[16]);
    }

    @Test
    void rootRunsEveryThreadAtMinus19UnlessToldNot() throws Exception {
        assumeTrue(Files.readString(Path.of("/proc/self/status")).lines().anyMatch(l -> l.matches("Uid:\\s+\\d+\\s+0\\s.*")),
                "raising the priority needs root");
        String own = Integer.toString(ownNice());
        Map<String, String> saturated = Map.of("TFIX_PRIORITY", "-19");
        String[] raised = run(saturated);
        assertEquals("-19", raised[0], "every thread running when the command starts");
        assertEquals("-19", raised[1], "a thread started later inherits it");

        String[] flag = run(saturated, "--no-priority");
        assertEquals(own, flag[0]);
        assertEquals(own, flag[1]);

        String[] env = run(Map.of("TFIX_NO_PRIORITY", "1", "TFIX_PRIORITY", "-19"));
        assertEquals(own, env[0]);
        assertEquals(own, env[1]);
    }

    @Test
    void aLevelThatIsNoNiceLevelIsRefusedInOneLine() throws Exception {
        CliTest.Result r = CliTest.tfixWith(Map.of("TFIX_PRIORITY", "-40"), Path.of("..").toAbsolutePath().normalize(),
                "exec", "1 + 1");
        assertEquals(2, r.exit(), r.out() + r.err());
        assertEquals("tfix: TFIX_PRIORITY=-40 is not a nice level from 0 to -19: set it to one (e.g. -19), or unset it"
                + " to let tfix judge from the host's load", r.err().strip());
    }
}
