package tfix.engine.failure;

/**
 * Which of a session's limits a failure ran into, so that whoever offers the setting (the command line's
 * options) can name it beside the message; the engine itself knows nothing of option names.
 */
public enum Limit {
    /** How long a remote call (dlopen, mmap) may run in the target. */
    CALL_TIMEOUT,
    /** How long to wait for threads to leave the bytes to change (or the old function's stack frames). */
    THREAD_TIMEOUT,
    /** How long to wait for another tfix that holds the process. */
    LOCK_TIMEOUT
}
