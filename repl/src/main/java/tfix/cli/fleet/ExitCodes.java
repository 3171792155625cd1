package tfix.cli.fleet;

/**
 * Exit codes of a command over processes (README, "Exit codes"). A process that exited (gone) or needed
 * nothing (already) is a success; one held by another tracer was left unpatched, which a rollout must hear
 * of, but is told apart from a failure.
 */
public final class ExitCodes {
    /** Every process came to what was asked, or was gone. */
    public static final int OK = 0;
    /** At least one process failed (or the command could not start). */
    public static final int FAILED = 1;
    /** A usage error: unknown option, --all with --pid, a path that does not exist. */
    public static final int USAGE = 2;
    /** None failed, but at least one was skipped (another tracer holds it): run again once it is free. */
    public static final int SKIPPED = 3;
    /** --all PATH (or host-wide status) found no process to work on. */
    public static final int NO_PROCESS = 4;

    private ExitCodes() {
    }
}
