package tfix.engine.ptrace;

/** What tfix knows of one traced thread. Touched only on the tracer thread. */
final class TracedThread {
    final int tid;
    boolean stopped;
    boolean wantRunning = true;
    boolean groupStop;
    int pendingSignal;
    /** Stopped by PTRACE_INTERRUPT: the only stop in which a thread's registers may be borrowed. */
    boolean interruptStop;
    /** Registers read during this stop; cleared when the thread runs. */
    Registers registers;
    /** Signals passed on while the thread ran under runToSyscall (a handler ran). */
    int signalsPassed;

    TracedThread(int tid) {
        this.tid = tid;
    }

    /** The thread runs again: what was read during the stop no longer holds. */
    void running() {
        stopped = false;
        interruptStop = false;
        registers = null;
        pendingSignal = 0;
    }
}
