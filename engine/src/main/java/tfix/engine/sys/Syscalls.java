package tfix.engine.sys;

import java.util.Set;

/** x86-64 system call numbers tfix reads in a thread's registers or issues itself. */
public final class Syscalls {
    public static final int MMAP = 9, MPROTECT = 10, MUNMAP = 11, CLOSE = 3, FTRUNCATE = 77, MEMFD_CREATE = 319;
    public static final int READ = 0, POLL = 7, SELECT = 23, PAUSE = 34, NANOSLEEP = 35, GETPID = 39, ACCEPT = 43,
            RECVFROM = 45, RECVMSG = 47, SEMOP = 65, MSGSND = 69, MSGRCV = 70, WAIT4 = 61, RT_SIGTIMEDWAIT = 128,
            RT_SIGSUSPEND = 130, GETTID = 186, IO_GETEVENTS = 208, RESTART_SYSCALL = 219, SEMTIMEDOP = 220,
            CLOCK_NANOSLEEP = 230, EPOLL_WAIT = 232, PPOLL = 271, PSELECT6 = 270, EPOLL_PWAIT = 281, ACCEPT4 = 288,
            EPOLL_PWAIT2 = 441;

    /** restart_syscall in the 32-bit ABI (int $0x80), which a 64-bit process may use too. */
    public static final int IA32_RESTART_SYSCALL = 0;

    /** Calls a thread waits in without holding any of libc's locks: the safest threads to borrow. */
    public static final Set<Long> QUIET_WAITS = Set.of((long) READ, (long) POLL, (long) SELECT, (long) PAUSE,
            (long) NANOSLEEP, (long) ACCEPT, (long) RECVFROM, (long) RECVMSG, (long) WAIT4, (long) RT_SIGTIMEDWAIT,
            (long) RT_SIGSUSPEND, (long) RESTART_SYSCALL, (long) CLOCK_NANOSLEEP, (long) EPOLL_WAIT, (long) PSELECT6,
            (long) PPOLL, (long) EPOLL_PWAIT, (long) ACCEPT4, (long) EPOLL_PWAIT2);

    private Syscalls() {
    }
}
