package tfix.engine.ptrace;

import java.util.ArrayList;
import java.util.List;

/** What tfix knows of one traced thread. Touched only on the tracer thread. */
final class TracedThread {
    final int tid;
    boolean stopped;
    boolean wantRunning = true;
    boolean groupStop;
    int pendingSignal;
    /** Stopped by PTRACE_INTERRUPT: the only stop in which a thread's registers may be borrowed. */
    boolean interruptStop;
    /** Job control stopped the process while the thread ran a call for tfix: it owes that stop. */
    boolean groupStopMissed;
    /** Being stopped for an interrupt stop: other stops on the way are finished, not kept. */
    boolean awaitingTrap;
    /** Registers read during this stop; cleared when the thread runs. */
    Registers registers;
    /** Signals passed on while the thread ran under runToSyscall, in order. */
    final List<Integer> signalsPassed = new ArrayList<>();

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
