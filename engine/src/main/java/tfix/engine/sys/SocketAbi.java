package tfix.engine.sys;

/** Socket, descriptor and spawn numbers of Linux x86-64 and glibc that {@code tfix restart} passes to calls in a target. */
public final class SocketAbi {
    public static final int AF_UNIX = 1;
    public static final int SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_SEQPACKET = 5;
    public static final int SOCK_NONBLOCK = 0x800, SOCK_CLOEXEC = 0x80000, O_NONBLOCK = 0x800, O_CLOEXEC = 0x80000;
    public static final int F_GETFD = 1, F_GETFL = 3, F_DUPFD_CLOEXEC = 1030, FD_CLOEXEC = 1;
    public static final int EPOLL_CTL_DEL = 2;
    public static final int MSG_NOSIGNAL = 0x4000;
    /** glibc's posix_spawnattr flags. */
    public static final int POSIX_SPAWN_SETSIGDEF = 0x04, POSIX_SPAWN_SETSIGMASK = 0x08;
    /** glibc's sizes of posix_spawn_file_actions_t and posix_spawnattr_t, rounded up. */
    public static final int FILE_ACTIONS_SIZE = 128, SPAWNATTR_SIZE = 512;
    public static final int SIGSET_SIZE = 128;
    public static final int WNOHANG = 1;

    private SocketAbi() {
    }
}
