package tfix.engine.sys;

/** Signal numbers tfix tells apart in wait statuses. */
public final class Signals {
    public static final int SIGTRAP = 5, SIGSTOP = 19, SIGTSTP = 20, SIGTTIN = 21, SIGTTOU = 22;

    private Signals() {
    }
}
