package tfix.engine.sys;

/** Flags of mmap, memfd_create and dlopen, as the target's libc takes them. */
public final class Mman {
    public static final int PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
    public static final int MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20, MAP_NORESERVE = 0x4000, MAP_FIXED_NOREPLACE = 0x100000;
    public static final long MAP_FAILED = -1;
    public static final int MFD_CLOEXEC = 1;
    public static final int RTLD_NOW = 2;
    public static final long PAGE = 4096;

    private Mman() {
    }
}
