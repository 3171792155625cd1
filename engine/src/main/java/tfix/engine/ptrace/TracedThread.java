package tfix.engine.ptrace;

import java.util.ArrayList;
import java.util.List;

import tfix.engine.timing.Holds;

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
    /** When tfix began holding it stopped (0: not held, or {@link Holds} off), and for what. */
    long heldSince;
    String heldFor;

    TracedThread(int tid) {
        this.tid = tid;
    }

    /** Marks the start of a hold ({@link Holds} on): tfix asked it to stop, or saw it stopped. */
    void holding(String cause) {
        if (Holds.on() && heldSince == 0) {
            heldSince = System.nanoTime();
            heldFor = cause;
        }
    }

    /** The hold ends: the thread runs again, or is let go. */
    void released() {
        if (heldSince != 0) {
            Holds.add(Holds.Kind.STOPPED, heldFor, System.nanoTime() - heldSince);
            heldSince = 0;
        }
    }

    /** The thread runs again: what was read during the stop no longer holds. */
    void running() {
        stopped = false;
        interruptStop = false;
        registers = null;
        pendingSignal = 0;
    }
}
