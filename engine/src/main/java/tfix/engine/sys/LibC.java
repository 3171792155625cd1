package tfix.engine.sys;

import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;

/** The few libc entry points tfix needs; addresses are passed as plain longs. */
public interface LibC {
    @SaveError long ptrace(long request, int pid, long addr, long data);

    @SaveError int waitpid(int pid, @Out int[] status, int options);

    @SaveError long syscall(long number, long a1, long a2, long a3);

    @SaveError int kill(int pid, int signal);

    int geteuid();

    @SaveError int setpriority(int which, int who, int prio);

    String strerror(int errnum);
}
