package tfix.engine.sys;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * Loaded libc plus errno access. One instance is shared by a session; loading is
 * the expensive part, calls are cheap.
 */
public final class Native {
    private final LibC libc;
    private final Runtime runtime;

    public Native() {
        this.libc = LibraryLoader.create(LibC.class).load("c");
        this.runtime = Runtime.getRuntime(libc);
    }

    public LibC libc() {
        return libc;
    }

    public int errno() {
        return runtime.getLastError();
    }

    public String describe(int errno) {
        return Errno.name(errno) + " (" + libc.strerror(errno) + ")";
    }

    public Pointer allocate(int bytes) {
        return Memory.allocateDirect(runtime, bytes);
    }

    /** The calling OS thread's id: what /proc shows as TracerPid for the threads it traces. */
    public int gettid() {
        return (int) libc.syscall(Syscalls.GETTID, 0, 0, 0);
    }
}
