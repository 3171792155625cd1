package tfix.engine.remote;

/**
 * What memfd_create, ftruncate, mmap and close gave: the descriptor (negative when it failed), ftruncate's result
 * (0 when it sized the file), the mapping's address, close's result. Each failed step makes the later ones fail.
 */
public record MappedMemfd(long fd, long truncated, long address, long closed) {
    /** Whether mmap gave an address: neither 0, libc's MAP_FAILED nor a raw system call's -errno. */
    public boolean mapped() {
        return address != 0 && (address > 0 || address < -4095);
    }
}
