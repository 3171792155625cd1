package tfix.engine.failure;

/** Why an operation failed, for programs and tests; the message says it for people. */
public enum Reason {
    /** No such process, or it exited (or became a zombie) while tfix worked on it. */
    PROCESS_GONE,
    /** Ptrace or a file was refused: not root, no CAP_SYS_PTRACE, yama, a file others could change. */
    PERMISSION,
    /** Another debugger or tfix traces the process. */
    ALREADY_TRACED,
    /** A verb needs an attached process and there is none. */
    NOT_ATTACHED,
    /** A function, library, address or patch name that is not there. */
    NOT_FOUND,
    /** A name that matches several functions or patches. */
    AMBIGUOUS,
    /** The plan's checks refuse the site: too short, a branch into it, bytes changed by someone else. */
    UNSAFE_SITE,
    /** A patched site read back does not hold what the record says. */
    VERIFY_FAILED,
    /** A thread stays inside (or would return into) the bytes to replace. */
    THREAD_BUSY,
    /** A remote call or a stop did not finish in time. */
    TIMEOUT,
    /** The user cancelled a waiting operation (Ctrl-C). */
    CANCELLED,
    /** The patch file is missing, unreadable, not a shared object, or not the pinned one. */
    BAD_PATCH_FILE,
    /** The target is another build than the one a pin names. */
    WRONG_BUILD,
    /** The target refused a step: dlopen failed, no memory for a record or a trampoline. */
    TARGET_REFUSED,
    /** Something tfix does not support yet: CET shadow stacks, IFUNC resolvers, statically linked libc. */
    UNSUPPORTED,
    /** The target is stopped by job control and cannot run the step. */
    TARGET_STOPPED,
    /** The in-process record is damaged or cannot take more. */
    RECORD,
    /** The user's input: a script, an argument, a number. */
    BAD_INPUT,
    /** A file on this machine could not be read or written. */
    IO,
    /** tfix restart: the new program exited or was not ready in time; it was stopped and the old one serves on. */
    RESTART_FAILED
}
