package tfix.cli;

import tfix.dsl.TfixContext;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/**
 * status, verify and revert on one process, called on the context directly instead of through a
 * Groovy script: the same statements, the same output and failures, without loading or compiling
 * Groovy (which is most of a cold command's start-up). Only the context's methods are used, so
 * nothing here may touch groovy.* (DirectRunTest checks what the JVM loads).
 */
final class DirectRun {
    /** The statements between attach and detach. */
    interface Steps {
        void run(TfixContext ctx);
    }

    private DirectRun() {
    }

    /** attach pid, the steps, detach; a failure is one line and exit 1, the process always let go. */
    static int run(Main.Common common, int pid, Steps steps) {
        return Cli.guard(common.debug, () -> attached(common, pid, steps));
    }

    /** The same, unguarded: for a command that tried another route first. */
    static void attached(Main.Common common, int pid, Steps steps) {
        if (pid <= 0) {
            // The words a script's `attach pid` would give.
            throw new TfixException(Reason.BAD_INPUT, "attach takes a process id (a whole number above 0), not " + pid);
        }
        try (TfixContext ctx = Cli.context(common, CommandScope.cwd())) {
            ctx.attach(pid);
            steps.run(ctx);
            ctx.detach();
        }
    }
}
