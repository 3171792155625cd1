package tfix.engine.ptrace;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.process.ProcStatus;
import tfix.engine.process.TaskStat;

/** What must hold before tfix seizes a process, each refusal with its remedy. Reads /proc only. */
final class AttachCheck {
    private AttachCheck() {
    }

    static void check(int pid, int tracerTid) {
        if (pid == ProcessHandle.current().pid()) {
            throw new TfixException(Reason.BAD_INPUT, "pid " + pid + " is tfix itself: give the pid of the process to patch");
        }
        ProcStatus st = ProcStatus.of(pid).orElseThrow(() -> new TfixException(Reason.PROCESS_GONE,
                "no process with pid " + pid + ": check the pid (ps -p " + pid + ")"));
        if (st.isZombie()) {
            throw new TfixException(Reason.PROCESS_GONE, "process " + pid + " (" + st.name()
                    + ") has exited (zombie): there is nothing left to patch");
        }
        if (TaskStat.of(pid).map(TaskStat::kernelThread).orElse(false)) {
            throw new TfixException(Reason.BAD_INPUT, "process " + pid + " (" + st.name() + ") is a kernel thread or has"
                    + " no memory of its own: there is no user code to patch");
        }
        if (st.shadowStack()) {
            throw new TfixException(Reason.UNSUPPORTED, "process " + pid + " (" + st.name() + ") runs with a CET shadow"
                    + " stack, which tfix's remote calls do not support yet: nothing was changed");
        }
        if (st.tracerPid() != 0 && st.tracerPid() != tracerTid) {
            throw alreadyTraced(pid, st.tracerPid());
        }
    }

    static TfixException alreadyTraced(int pid, int tracer) {
        return new TfixException(Reason.ALREADY_TRACED, "process " + pid + " is already traced by "
                + ProcStatus.describeTracer(tracer) + ": detach that debugger or tracer first");
    }

    static TfixException permissionDenied(int pid) {
        return PtraceDenial.read(pid).failure();
    }
}
