package tfix.engine.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.sys.Native;

/**
 * A process's network namespace, entered by the calling thread for as long as a socket is made in it. Only this
 * thread moves (setns acts per thread), and it moves back before returning, whatever happened.
 */
final class NetNamespace {
    private static final int O_RDONLY = 0, O_CLOEXEC = 0x80000, CLONE_NEWNET = 0x40000000;

    private NetNamespace() {
    }

    /**
     * Whether {@code pid} shares this thread's network namespace. When its namespace cannot be read (another
     * user's undumpable process), it is taken as shared: the agent is then looked for here, as before.
     */
    static boolean isOwn(int pid) {
        try {
            return Files.readSymbolicLink(Path.of("/proc", Integer.toString(pid), "ns", "net"))
                    .equals(Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")));
        } catch (IOException | UnsupportedOperationException e) {
            return true;
        }
    }

    /**
     * {@code body}'s result, run inside {@code pid}'s network namespace. Without the right to enter it (setns
     * needs CAP_SYS_ADMIN), it is run here: a process in another namespace then shows no agent, and the caller
     * names the remedy.
     */
    static <T> T within(Native nat, int pid, Supplier<T> body) {
        int own = nat.libc().open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        int theirs = nat.libc().open("/proc/" + pid + "/ns/net", O_RDONLY | O_CLOEXEC);
        try {
            if (own < 0 || theirs < 0 || nat.libc().setns(theirs, CLONE_NEWNET) != 0) {
                return body.get();
            }
            try {
                return body.get();
            } finally {
                if (nat.libc().setns(own, CLONE_NEWNET) != 0) {
                    // Cannot happen short of a kernel refusing the way back; this thread must not go on elsewhere.
                    throw new TfixException(Reason.IO, "could not return to tfix's own network namespace after"
                            + " reaching process " + pid + "'s agent: " + nat.describe(nat.errno()));
                }
            }
        } finally {
            if (own >= 0) {
                nat.libc().close(own);
            }
            if (theirs >= 0) {
                nat.libc().close(theirs);
            }
        }
    }
}
