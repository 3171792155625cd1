package tfix.engine.ptrace;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/** A thread that ended while tfix was using it; callers that can pick another thread do. */
public final class ThreadExitedException extends TfixException {
    public ThreadExitedException(int tid, int pid) {
        super(Reason.PROCESS_GONE, "thread " + tid + " of process " + pid + " has exited");
    }
}
