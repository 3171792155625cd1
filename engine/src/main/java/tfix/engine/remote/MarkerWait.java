package tfix.engine.remote;

import java.time.Duration;
import java.util.function.BooleanSupplier;

import tfix.engine.failure.Limit;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.ptrace.Registers;
import tfix.engine.ptrace.Tracee;

/** Waiting for a borrowed thread to reach the stub's marker (its call returned), and what to say when it does not. */
final class MarkerWait {
    private MarkerWait() {
    }

    /**
     * The thread's registers at the stop for its own {@code signal} sent by the stub's tgkill, which ends at
     * {@code end}, or null when it did not get there in time; the signal is dropped (see {@link SignalEnd}).
     */
    static Registers awaitSignal(Tracee tracee, int tid, int signal, long end, Duration timeout, BooleanSupplier cancelled) {
        return tracee.runToOwnSignal(tid, signal, r -> r.rip() == end && r.origRax() == CallStub.SYS_TGKILL, timeout,
                cancelled);
    }

    /** The thread's registers at the marker at {@code marker}, or null when it did not get there in time. */
    static Registers await(Tracee tracee, int tid, long marker, Duration timeout, BooleanSupplier cancelled) {
        return tracee.runToSyscall(tid, r -> r.rip() == marker && r.origRax() == CallStub.SYS_GETPID, timeout, cancelled);
    }

    /** The thread is left running the call: only its end is certain to restore it, so say what is known. */
    static TfixException leftRunning(int pid, int tid, String what, boolean byUser, Duration timeout) {
        return new TfixException(byUser ? Reason.CANCELLED : Reason.TIMEOUT, byUser ? null : Limit.CALL_TIMEOUT, what + (byUser ? " was cancelled"
                : " did not return within " + timeout.toSeconds() + " s") + " in thread " + tid + " of process "
                + pid + ". The call may still be running in that thread: when it returns, the thread goes back"
                + " to what it was doing, with tfix gone or not, and what the call does (a library loaded, memory mapped)"
                + " takes effect then; if it waits for a lock that thread itself holds, the thread is stuck for good"
                + " (see /proc/" + pid + "/task/" + tid + "/wchan). No function was patched and the other threads"
                + " run on; the process is traced until tfix detaches, and nothing of tfix waits for the call");
    }
}
