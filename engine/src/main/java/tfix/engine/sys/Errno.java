package tfix.engine.sys;

/** Names of the errno values tfix reacts to. */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int ECHILD = 10;
    public static final int EAGAIN = 11;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EINVAL = 22;
    public static final int ELOOP = 40;

    /**
     * What a system call interrupted by a stop or a signal leaves in rax (negated), telling
     * whether and how the kernel restarts it (see the kernel's errno.h).
     */
    public static final long RAX_EINTR = -EINTR, RAX_ERESTARTSYS = -512, RAX_ERESTARTNOINTR = -513,
            RAX_ERESTARTNOHAND = -514, RAX_ERESTART_RESTARTBLOCK = -516;

    private Errno() {
    }

    public static String name(int errno) {
        return switch (errno) {
            case EPERM -> "EPERM";
            case ENOENT -> "ENOENT";
            case ESRCH -> "ESRCH";
            case EINTR -> "EINTR";
            case EIO -> "EIO";
            case ECHILD -> "ECHILD";
            case EAGAIN -> "EAGAIN";
            case EACCES -> "EACCES";
            case EFAULT -> "EFAULT";
            case EBUSY -> "EBUSY";
            case EINVAL -> "EINVAL";
            case ELOOP -> "ELOOP";
            default -> "errno " + errno;
        };
    }
}
