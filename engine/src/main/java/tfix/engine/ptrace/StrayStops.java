package tfix.engine.ptrace;

import static tfix.engine.sys.Signals.SIGTRAP;

import tfix.engine.process.ProcStatus;
import tfix.engine.sys.Errno;
import tfix.engine.sys.SyscallException;

/**
 * Ptrace-stops whose wait status tfix never saw. Any thread of the tracer's process that waits for a child takes
 * its ptrace-stops too: a JVM's process reaper, waiting for a target this JVM started, took one of the main
 * thread's stops (RedisProbeTest), which then sat stopped while tfix's books said it ran. /proc says which threads
 * are in a tracing stop; the stop's siginfo says which stop it is, so the status can be made again.
 */
final class StrayStops {
    private StrayStops() {
    }

    /**
     * For a thread tfix counts as running: null when /proc does not show it in a ptrace-stop of this tracer;
     * else a status to handle first, if one was waiting (its own, maybe); else its stop's status, made again.
     * /proc is read before the wait: a stop it shows that no wait reports after has no status left to collect.
     */
    static WaitStatus lost(Tracee tracee, TracedThread t) {
        Ptrace ptrace = tracee.ptrace();
        boolean inOurStop = ProcStatus.ofTask(tracee.pid(), t.tid)
                .map(s -> s.state() == 't' && s.tracerPid() == ptrace.tracerTid()).orElse(false);
        if (!inOurStop || t.stopped) {
            return null;
        }
        WaitStatus waiting = ptrace.pollAny();
        if (waiting != null) {
            return waiting;
        }
        try {
            return remade(t.tid, ptrace.siginfo(t.tid));
        } catch (SyscallException e) {
            if (e.errno() != Errno.ESRCH) {
                throw e;
            }
            return null; // gone, or kept stopped by PTRACE_LISTEN (job control), where the kernel answers no request
        }
    }

    /** The wait status of the stop a siginfo belongs to (null siginfo: a PTRACE_EVENT_STOP). */
    static WaitStatus remade(int tid, int[] siginfo) {
        int stopped = 0x7f;
        if (siginfo == null) {
            // An interrupt's trap. A job-control stop has none either and is taken for one: the process would run on.
            return new WaitStatus(tid, WaitStatus.EVENT_STOP << 16 | SIGTRAP << 8 | stopped);
        }
        int signo = siginfo[0], code = siginfo[1];
        if (signo == SIGTRAP && code == (SIGTRAP | 0x80)) {
            return new WaitStatus(tid, (SIGTRAP | 0x80) << 8 | stopped); // a system call's entry or exit
        }
        if (signo == SIGTRAP && (code & 0xff) == SIGTRAP && code >> 8 != 0) {
            return new WaitStatus(tid, (code >> 8) << 16 | SIGTRAP << 8 | stopped); // a PTRACE_EVENT (clone...)
        }
        return new WaitStatus(tid, signo << 8 | stopped); // a signal on its way to the thread
    }
}
