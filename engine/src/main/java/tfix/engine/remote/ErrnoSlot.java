package tfix.engine.remote;

import java.util.Optional;

import tfix.engine.process.ProcMemory;
import tfix.engine.ptrace.Registers;

/**
 * Keeps a borrowed thread's errno. Code tfix runs on the thread (dlopen, a patch's constructor) may set
 * errno, and the thread would find it changed after its next successful call: a program that reads errno
 * late, or keeps a value in it, would misbehave. glibc keeps errno in static TLS, at one offset from every
 * thread's fs base, so one call of {@code __errno_location} on any thread gives the place in all of them.
 */
final class ErrnoSlot {
    /** Static TLS lies just below the thread pointer: an offset outside this range is not glibc's errno. */
    private static final long MAX_OFFSET = 1 << 20;
    private boolean learned;
    private Long offset;

    /** The first call of a session learns the offset (one extra remote call); without libc nothing is kept. */
    void learn(RemoteCaller caller) {
        if (learned) {
            return;
        }
        learned = true; // the call below comes back through here
        Optional<Long> fn = new RemoteLibc(caller).symbol("__errno_location");
        if (fn.isPresent()) {
            long address = caller.callLockFree("__errno_location", fn.get());
            long off = address - caller.lastFsBase();
            offset = off < 0 && off > -MAX_OFFSET ? off : null;
        }
    }

    /** A thread's errno as it is now, with where it lives; null when unknown. */
    Saved save(ProcMemory memory, Registers regs) {
        if (offset == null || regs.get(Registers.FS_BASE) == 0) {
            return null;
        }
        long at = regs.get(Registers.FS_BASE) + offset;
        try {
            return new Saved(at, memory.read(at, 4));
        } catch (RuntimeException e) {
            return null; // a thread without a usable thread pointer: nothing to keep
        }
    }

    /** errno's bytes at an address, to write back once the call returned. */
    record Saved(long address, byte[] value) {
        void restore(ProcMemory memory) {
            memory.write(address, value);
        }
    }
}
