package tfix.engine.sys;

import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;

/** The few libc entry points tfix needs; addresses are passed as plain longs. */
public interface LibC {
    @SaveError long ptrace(long request, int pid, long addr, long data);

    @SaveError int waitpid(int pid, @Out int[] status, int options);

    @SaveError long syscall(long number, long a1, long a2, long a3);

    /** Many ranges of a traced process's memory in one call: the freeze reads every thread's stack with it. */
    @SaveError long process_vm_readv(int pid, long localIov, long localCount, long remoteIov, long remoteCount, long flags);

    @SaveError int kill(int pid, int signal);

    int geteuid();

    @SaveError int setpriority(int which, int who, int prio);

    String strerror(int errnum);

    // The process events connector (netlink): ProcConnector.
    @SaveError int socket(int domain, int type, int protocol);

    @SaveError int bind(int fd, jnr.ffi.Pointer address, int length);

    // The in-process agent's control socket (an abstract Unix name, which java.nio cannot reach): AgentSocket.
    @SaveError int connect(int fd, jnr.ffi.Pointer address, int length);

    @SaveError long send(int fd, jnr.ffi.Pointer buffer, long length, int flags);

    @SaveError long recv(int fd, jnr.ffi.Pointer buffer, long length, int flags);

    @SaveError int setsockopt(int fd, int level, int option, jnr.ffi.Pointer value, int length);

    @SaveError int close(int fd);

    // Entering a process's network namespace to reach its agent's abstract socket: AgentSocket.
    @SaveError int open(String path, int flags);

    @SaveError int setns(int fd, int nstype);

    // Exec permission events (fanotify): ExecPermission.
    @SaveError int fanotify_init(int flags, int eventFileFlags);

    @SaveError int fanotify_mark(int fd, int flags, long mask, int dirfd, String path);

    @SaveError int poll(jnr.ffi.Pointer fds, long count, int timeoutMillis);

    @SaveError long read(int fd, jnr.ffi.Pointer buffer, long length);

    @SaveError long write(int fd, jnr.ffi.Pointer buffer, long length);
}
