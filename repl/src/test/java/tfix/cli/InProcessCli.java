package tfix.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The command line run in the test's own JVM: {@link Main#commandLine()} parses and runs the arguments exactly as
 * {@code Main.main} does, with System.out and System.err captured. A JVM start (and Groovy's first compile in it)
 * costs a second or more per command on a loaded 2-core machine; most tests are about what a command does to a
 * process, not about the JVM around it. What only a JVM of its own shows (System.exit, the priority Main raises,
 * signals, shutdown hooks, environment variables, --debug's logging, which stays on once enabled) runs in one:
 * {@link #needsOwnJvm}.
 */
final class InProcessCli {
    /** Commands that install signal handlers or shutdown hooks, or never end by themselves. */
    private static final Set<String> OWN_JVM = Set.of("watch", "demo", "service", "repl", "bench");

    private InProcessCli() {
    }

    /** Whether the command runs in a JVM of its own; {@code -Dtfix.cliInOwnJvm=true} runs every one so, as before. */
    static boolean needsOwnJvm(String... args) {
        List<String> a = List.of(args);
        return Boolean.getBoolean("tfix.cliInOwnJvm") || a.isEmpty() || OWN_JVM.contains(a.get(0)) || a.contains("--debug") || a.get(0).startsWith("--service");
    }

    /** One command, one at a time (System.out is the JVM's); {@code home} is tfix.home, as the launcher sets it. */
    static synchronized CliTest.Result run(Path home, String... args) {
        PrintStream out0 = System.out;
        PrintStream err0 = System.err;
        String home0 = System.getProperty("tfix.home");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setProperty("picocli.disable.closures", "true"); // as Main.main sets it
        System.setProperty("tfix.home", home.toString());
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int code;
        try {
            picocli.CommandLine cl = Main.commandLine();
            cl.setExecutionStrategy(InProcessCli::atTfixPriority);
            code = cl.execute(args);
        } finally {
            System.out.flush();
            System.err.flush();
            System.setOut(out0);
            System.setErr(err0);
            if (home0 == null) {
                System.clearProperty("tfix.home");
            } else {
                System.setProperty("tfix.home", home0);
            }
        }
        return new CliTest.Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /**
     * Main.main raises its whole JVM to {@link FairNice#now} for commands that work on processes: on a loaded
     * machine a command at nice 0 is many times slower. Here only this thread (and the threads the command starts,
     * which inherit it) is raised, and put back after: targets a test starts later must not inherit it.
     */
    private static int atTfixPriority(picocli.CommandLine.ParseResult parsed) {
        int level = Priority.wanted(parsed) ? FairNice.now() : 0;
        if (level == 0) {
            return new picocli.CommandLine.RunLast().execute(parsed);
        }
        tfix.engine.sys.LibC libc = new tfix.engine.sys.Native().libc();
        int tid;
        int before;
        try {
            // /proc/thread-self/stat: "tid (comm) state ..."; nice is the 19th field, the 17th after the name.
            String stat = java.nio.file.Files.readString(Path.of("/proc/thread-self/stat"));
            tid = Integer.parseInt(stat.substring(0, stat.indexOf(' ')));
            before = Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[16]);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        libc.setpriority(0 /* PRIO_PROCESS: one thread id on Linux */, tid, level);
        try {
            return new picocli.CommandLine.RunLast().execute(parsed);
        } finally {
            libc.setpriority(0, tid, before);
        }
    }
}
