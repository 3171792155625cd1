package tfix.cli;

import picocli.CommandLine;
import picocli.CommandLine.ParseResult;
import tfix.engine.sys.Native;
import tfix.engine.sys.ProcessPriority;

/**
 * Commands that work on processes (those with --no-priority) raise their priority when tfix may (root) and the host
 * is saturated ({@link FairNice}: up to nice -19): there they otherwise wait tens of seconds for the CPU (issue 18,
 * goal 3). --no-priority or TFIX_NO_PRIORITY=1 keeps the priority tfix was started with; TFIX_PRIORITY=N sets it.
 */
final class Priority {
    static final String FLAG = "--no-priority";

    private Priority() {
    }

    /** picocli's usual execution, after raising the priority if the command asks for it. */
    static int execute(ParseResult parsed) {
        int level;
        try {
            level = wanted(parsed) ? FairNice.now() : 0;
        } catch (IllegalArgumentException e) {
            parsed.commandSpec().commandLine().getErr().println("tfix: " + e.getMessage());
            return 2;
        }
        if (level < 0 && !ProcessPriority.alreadyAt(level)) {
            ProcessPriority.raise(new Native().libc(), level);
        }
        return new CommandLine.RunLast().execute(parsed);
    }

    /** Whether the command asks for the raise (works on processes, no --no-priority, not help). */
    static boolean wanted(ParseResult parsed) {
        ParseResult cmd = parsed;
        while (cmd.hasSubcommand()) {
            cmd = cmd.subcommand();
        }
        boolean help = cmd.isUsageHelpRequested() || cmd.isVersionHelpRequested();
        return !help && cmd.commandSpec().findOption(FLAG) != null && !cmd.hasMatchedOption(FLAG) && !offByEnvironment();
    }

    private static boolean offByEnvironment() {
        String v = System.getenv("TFIX_NO_PRIORITY");
        return v != null && !v.isBlank() && !v.equals("0");
    }
}
