package tfix.engine.inspect;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import tfix.engine.process.Maps;
import tfix.engine.process.MemoryMap;
import tfix.engine.process.ProcMemory;

/**
 * A stopped thread's registers and the words of its stack from the stack pointer up (at most {@link #WINDOW}
 * bytes, never past its mapping), read with one read while it was stopped. Untrusted: a walk validates.
 */
record StackSample(ThreadStops.Pointers regs, long from, long[] words, String mapping) {
    static final int WINDOW = 64 * 1024;

    /** Called while the thread is stopped: one read of its stack window. */
    static StackSample read(ThreadStops.Pointers regs, Maps maps, ProcMemory memory) {
        MemoryMap stack = maps.find(regs.rsp()).orElse(null);
        if (stack == null || !stack.writable()) {
            return new StackSample(regs, regs.rsp(), new long[0], null);
        }
        long from = regs.rsp() & ~7L;
        int len = (int) Math.min(WINDOW, stack.end() - from) & ~7;
        try {
            long[] words = new long[len / 8];
            ByteBuffer.wrap(memory.read(from, len)).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(words);
            return new StackSample(regs, from, words, stack.path());
        } catch (RuntimeException e) {
            return new StackSample(regs, from, new long[0], stack.path());
        }
    }

    /** The end of the window read: the highest address + 1 a frame may use. */
    long end() {
        return from + 8L * words.length;
    }

    boolean holds(long address) {
        return address >= from && address + 8 <= end() && (address & 7) == 0;
    }

    long word(long address) {
        return words[(int) ((address - from) / 8)];
    }
}
