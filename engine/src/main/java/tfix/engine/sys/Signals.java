package tfix.engine.sys;

/** Signal numbers tfix tells apart in wait statuses, and the sigaction facts it reads. */
public final class Signals {
    public static final int SIGTRAP = 5, SIGSTOP = 19, SIGTSTP = 20, SIGTTIN = 21, SIGTTOU = 22;
    /** glibc's struct sigaction on x86-64: its size, and where sa_flags lies in it. */
    public static final int SIGACTION_SIZE = 152, SIGACTION_FLAGS = 136;
    public static final int SA_RESTART = 0x10000000;

    private Signals() {
    }
}
