package tfix.engine.ptrace;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.process.ProcStatus;

/**
 * Why the kernel refused tfix a ptrace attach (EPERM), told in one line with what to do. The facts are read
 * from /proc before the line is made, so the reasoning is tested from facts alone.
 *
 * @param yamaScope kernel.yama.ptrace_scope, empty without Yama
 * @param tracerUid tfix's effective uid
 * @param tracerCapable tfix runs as root or with CAP_SYS_PTRACE
 * @param tracerSeccomp tfix's own seccomp mode (2: a filter)
 * @param targetUid the process's effective uid, -1 if unknown
 * @param targetDumpable false when the process made itself undumpable (its /proc files then belong to root)
 */
public record PtraceDenial(int pid, OptionalInt yamaScope, int tracerUid, boolean tracerCapable, int tracerSeccomp,
                           int targetUid, boolean targetDumpable) {
    private static final int CAP_SYS_PTRACE = 19;

    static PtraceDenial read(int pid) {
        Map<String, String> self = statusFields(Path.of("/proc/self/status"));
        int uid = field(self, "Uid", 1, 0);
        boolean capable = uid == 0 || (capEff(self) & (1L << CAP_SYS_PTRACE)) != 0;
        int targetUid = ProcStatus.of(pid).map(ProcStatus::uid).orElse(-1);
        int owner = -1;
        try {
            owner = (Integer) Files.getAttribute(Path.of("/proc", Integer.toString(pid), "status"), "unix:uid");
        } catch (Exception e) {
            // unknown: taken as dumpable
        }
        return new PtraceDenial(pid, yamaScope(Path.of("/proc/sys/kernel/yama/ptrace_scope")), uid, capable,
                field(self, "Seccomp", 0, 0), targetUid, !(owner == 0 && targetUid > 0));
    }

    static OptionalInt yamaScope(Path file) {
        try {
            return OptionalInt.of(Integer.parseInt(Files.readString(file).trim()));
        } catch (Exception e) {
            return OptionalInt.empty();
        }
    }

    public TfixException failure() {
        return new TfixException(Reason.PERMISSION, message());
    }

    /** The cause, most decisive first, and the remedy. */
    public String message() {
        int scope = yamaScope.orElse(-1);
        String denied = "permission denied tracing process " + pid + ": ";
        if (scope == 3) {
            return denied + "ptrace is disabled on this host (kernel.yama.ptrace_scope=3): no process can be traced, not"
                    + " even by root, until the next boot; boot with a lower setting (sysctl.d) to patch live";
        }
        if (tracerSeccomp == 2 && tracerCapable) {
            return denied + "tfix itself runs under a seccomp filter (Seccomp: 2 in /proc/self/status) that denies ptrace:"
                    + " run tfix outside that sandbox (a container: --security-opt seccomp=unconfined or a profile that"
                    + " allows ptrace)";
        }
        if (tracerCapable) {
            return denied + "refused although tfix runs as " + (tracerUid == 0 ? "root" : "uid " + tracerUid
                    + " with CAP_SYS_PTRACE") + ": a security module (SELinux, AppArmor) or a user namespace tfix's"
                    + " privileges do not reach refused it; see the kernel log (dmesg) and run tfix where the process runs";
        }
        String run = "run tfix as root or give it CAP_SYS_PTRACE";
        if (scope == 2) {
            return denied + "only a tracer with CAP_SYS_PTRACE may trace on this host (kernel.yama.ptrace_scope=2): " + run;
        }
        if (targetUid >= 0 && targetUid != tracerUid) {
            return denied + "it runs as uid " + targetUid + " and tfix as uid " + tracerUid + " without CAP_SYS_PTRACE: "
                    + run + ", or run it as uid " + targetUid;
        }
        if (!targetDumpable) {
            return denied + "it made itself undumpable (prctl(PR_SET_DUMPABLE, 0), or a change of credentials), so only a"
                    + " tracer with CAP_SYS_PTRACE may trace it: " + run;
        }
        if (scope == 1) {
            return denied + "kernel.yama.ptrace_scope=1 lets only a process's ancestors trace it: " + run
                    + ", or set kernel.yama.ptrace_scope=0";
        }
        if (tracerSeccomp == 2) {
            return denied + "tfix itself runs under a seccomp filter (Seccomp: 2 in /proc/self/status), which may deny"
                    + " ptrace: " + run + ", outside that sandbox";
        }
        return denied + run;
    }

    private static Map<String, String> statusFields(Path file) {
        Map<String, String> fields = new HashMap<>();
        try {
            for (String line : Files.readAllLines(file)) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
                }
            }
        } catch (Exception e) {
            // no facts: the generic line
        }
        return fields;
    }

    private static int field(Map<String, String> fields, String name, int column, int otherwise) {
        try {
            return Integer.parseInt(fields.get(name).split("\\s+")[column]);
        } catch (RuntimeException e) {
            return otherwise;
        }
    }

    private static long capEff(Map<String, String> fields) {
        try {
            return Long.parseUnsignedLong(fields.get("CapEff"), 16);
        } catch (RuntimeException e) {
            return 0;
        }
    }
}
