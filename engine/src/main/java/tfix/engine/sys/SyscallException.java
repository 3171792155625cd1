package tfix.engine.sys;

/** A failed system call, with its errno kept so callers can react to it. */
public final class SyscallException extends RuntimeException {
    private final int errno;

    public SyscallException(String call, int errno, String description) {
        super(call + " failed: " + description);
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
