package tfix.engine.patch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;
import java.util.function.LongPredicate;

import tfix.engine.process.Maps;
import tfix.engine.process.MemoryMap;
import tfix.engine.ptrace.ProcMemory;
import tfix.engine.ptrace.Registers;

/**
 * What a stopped thread will come back to: its stack's return addresses (walking the
 * frame-pointer chain, then scanning the words nearest the stack pointer, where saved
 * signal contexts also lie). Conservative: a stale word can make tfix wait, never miss a
 * live frame within the scanned depth.
 */
public final class StackCheck {
    /** Depth scanned for every write: return addresses into the replaced bytes would crash. */
    public static final int SITE_SCAN = 16 * 1024;
    /** Depth scanned for safety 'stack': any frame of the old function. */
    public static final int FUNCTION_SCAN = 64 * 1024;
    static final int MAX_FRAMES = 64;
    private final ProcMemory memory;
    private final java.util.function.Supplier<Maps> reread;
    private Maps maps;

    /** {@code maps}: read before the stop, to keep that work out of it; re-read if a stack is not in it. */
    public StackCheck(ProcMemory memory, Maps maps, java.util.function.Supplier<Maps> reread) {
        this.memory = memory;
        this.maps = maps;
        this.reread = reread;
    }

    /** Where the thread's stack holds an address that {@code hit} accepts, in words; empty if nowhere. */
    public Optional<String> find(Registers regs, LongPredicate hit, int scanBytes) {
        Optional<MemoryMap> stack = maps.find(regs.rsp());
        if (stack.isEmpty()) {
            maps = reread.get(); // a thread born since the maps were read
            stack = maps.find(regs.rsp());
        }
        if (stack.isEmpty()) {
            return Optional.empty();
        }
        long top = stack.get().end();
        long rbp = regs.get(Registers.RBP);
        for (int i = 0; i < MAX_FRAMES && rbp >= regs.rsp() && rbp + 16 <= top; i++) {
            long ret = memory.readLong(rbp + 8);
            if (hit.test(ret)) {
                return Optional.of(String.format("a frame returning to %#x", ret));
            }
            long next = memory.readLong(rbp);
            if (next <= rbp) {
                break;
            }
            rbp = next;
        }
        long from = regs.rsp() & ~7L;
        int len = (int) Math.min(scanBytes, top - from);
        ByteBuffer b = ByteBuffer.wrap(memory.read(from, len)).order(ByteOrder.LITTLE_ENDIAN);
        for (int off = 0; off + 8 <= len; off += 8) {
            long w = b.getLong(off);
            if (hit.test(w)) {
                return Optional.of(String.format("the word %#x at %#x on its stack", w, from + off));
            }
        }
        return Optional.empty();
    }
}
