package tfix.cli.fleet;

import java.util.Locale;

/** How one process fared under a command; the word is what JSON and the summary use. */
public enum Outcome {
    /** A replace changed it. */
    PATCHED,
    /** Nothing to do: every replace was in force already, or a revert found nothing to revert. */
    ALREADY,
    REVERTED,
    VERIFIED,
    /** Status read its patches. */
    LISTED,
    /** A script that ran to its end without replacing, reverting, verifying or listing (a dry run, say). */
    DONE,
    /** Left alone: another tracer (a debugger, strace) holds it. */
    SKIPPED,
    FAILED,
    /** It exited before or during its turn: nothing left to patch. */
    GONE;

    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether the command did what it was asked for this process (a gone process needs nothing more). */
    public boolean success() {
        return this != SKIPPED && this != FAILED;
    }
}
