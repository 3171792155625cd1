package tfix.engine.remote;

/**
 * Where remote calls run: memory tfix maps in the target for them, never the borrowed
 * thread's own stack (which may be a coroutine's, carved small out of a larger mapping, or
 * a signal stack, with other data right below it). Low to high: a guard page, the callee's
 * stack, then the frame, the xsave area and the arguments. One per session, mapped by a raw
 * mmap on the first call and unmapped when tfix detaches; a tfix killed meanwhile leaves it,
 * and so does a call tfix stopped waiting for (it may still run there).
 */
public final class CallArea {
    static final long GUARD = 4096;
    /** The frame, the xsave area (12 KiB with AMX) and the arguments. */
    static final long DATA = 64 * 1024;
    static final long SIZE = GUARD + (1L << 20) + DATA;
    private long base;
    /**
     * The thread let go at the marker of the last call: it may still be reading the frame on
     * its way out. Kept here, with the frame, not by a caller: a session makes a new caller
     * whenever its symbols change (after a patch is loaded), and the next call must wait too.
     */
    private int leaving = -1;

    /** Not mapped yet: the first call maps it. */
    public CallArea() {
    }

    boolean mapped() {
        return base != 0;
    }

    long base() {
        return base;
    }

    void mappedAt(long address) {
        base = address;
    }

    void unmapped() {
        base = 0;
    }

    /** A call that tfix gave up waiting for still runs here: the area is left to it, mapped, and forgotten. */
    void abandoned() {
        base = 0;
    }

    int leaving() {
        return leaving;
    }

    void leaving(int tid) {
        leaving = tid;
    }

    /** Whether an address lies in the area (mapped now). */
    boolean holds(long address) {
        return base != 0 && address >= base && address < end();
    }

    /** The frame's address: the bottom of the data at the top. */
    long frame() {
        return base + SIZE - DATA;
    }

    /** The first byte past the data. */
    long end() {
        return base + SIZE;
    }

    /** The stub's stack pointer: below the frame, aligned; the callee's stack grows down to the guard page. */
    long stackTop() {
        return (frame() - 64) & ~15L;
    }
}
