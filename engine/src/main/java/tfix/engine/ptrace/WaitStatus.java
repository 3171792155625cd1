package tfix.engine.ptrace;

import static tfix.engine.sys.Signals.SIGSTOP;
import static tfix.engine.sys.Signals.SIGTRAP;
import static tfix.engine.sys.Signals.SIGTSTP;
import static tfix.engine.sys.Signals.SIGTTIN;
import static tfix.engine.sys.Signals.SIGTTOU;

/** A decoded waitpid status for one thread. */
public record WaitStatus(int tid, int raw) {
    /** PTRACE_EVENT_CLONE and PTRACE_EVENT_STOP, in bits 16-31 of a ptrace-stop's status. */
    public static final int EVENT_CLONE = 3;
    public static final int EVENT_STOP = 128;

    public boolean exited() {
        return (raw & 0x7f) == 0;
    }

    public boolean killed() {
        return ((raw & 0x7f) + 1) >> 1 > 0 && (raw & 0xff) != 0x7f;
    }

    public boolean gone() {
        return exited() || killed();
    }

    public boolean stopped() {
        return (raw & 0xff) == 0x7f;
    }

    public int stopSignal() {
        return (raw >> 8) & 0xff;
    }

    public int event() {
        return (raw >> 16) & 0xffff;
    }

    /** A syscall-entry or -exit stop (PTRACE_O_TRACESYSGOOD sets bit 7). */
    public boolean syscallStop() {
        return stopped() && event() == 0 && stopSignal() == (SIGTRAP | 0x80);
    }

    /** Stopped by PTRACE_INTERRUPT, or the first stop of a newly traced clone. */
    public boolean eventStop() {
        return stopped() && event() == EVENT_STOP;
    }

    public boolean groupStop() {
        int s = stopSignal();
        return eventStop() && (s == SIGSTOP || s == SIGTSTP || s == SIGTTIN || s == SIGTTOU);
    }

    /** A signal on its way to the thread, which tfix must pass on when it resumes it. */
    public boolean signalDelivery() {
        return stopped() && event() == 0 && stopSignal() != (SIGTRAP | 0x80);
    }

    @Override
    public String toString() {
        if (exited()) {
            return "tid " + tid + " exited(" + ((raw >> 8) & 0xff) + ")";
        }
        if (killed()) {
            return "tid " + tid + " killed by signal " + (raw & 0x7f);
        }
        return "tid " + tid + " stopped sig=" + stopSignal() + " event=" + event();
    }
}
