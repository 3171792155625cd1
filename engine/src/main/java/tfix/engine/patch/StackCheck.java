package tfix.engine.patch;

import java.util.Optional;

import tfix.engine.process.Maps;
import tfix.engine.process.MemoryMap;
import tfix.engine.ptrace.ProcMemory;
import tfix.engine.ptrace.Registers;

/**
 * Is a function on a stopped thread's stack? Walks the frame-pointer chain, then scans
 * the stack words nearest the stack pointer for anything that looks like a return
 * address into the function: conservative, so a stale word can make it wait, never
 * miss a live frame within the scanned depth.
 */
public final class StackCheck {
    /** How far above the stack pointer the word scan reaches. */
    static final int SCAN_BYTES = 64 * 1024;
    static final int MAX_FRAMES = 256;
    private final ProcMemory memory;
    private final Maps maps;

    public StackCheck(ProcMemory memory, Maps maps) {
        this.memory = memory;
        this.maps = maps;
    }

    /** Where the thread holds the function, in words: "executing it", "a return address at 0x..." */
    public Optional<String> find(Registers regs, SitePlan plan) {
        if (plan.inFunction(regs.rip())) {
            return Optional.of("executing it");
        }
        Optional<MemoryMap> stack = maps.find(regs.rsp());
        if (stack.isEmpty()) {
            return Optional.empty();
        }
        long top = stack.get().end();
        long rbp = regs.get(Registers.RBP);
        for (int i = 0; i < MAX_FRAMES && rbp >= regs.rsp() && rbp + 16 <= top; i++) {
            long ret = memory.readLong(rbp + 8);
            if (plan.inFunction(ret)) {
                return Optional.of(String.format("a frame returning to %#x", ret));
            }
            long next = memory.readLong(rbp);
            if (next <= rbp) {
                break;
            }
            rbp = next;
        }
        long from = regs.rsp() & ~7L;
        int len = (int) Math.min(SCAN_BYTES, top - from);
        byte[] words = memory.read(from, len);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(words).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int off = 0; off + 8 <= len; off += 8) {
            long w = b.getLong(off);
            if (plan.inFunction(w) && w != plan.entry()) {
                return Optional.of(String.format("the word %#x at %#x on its stack", w, from + off));
            }
        }
        return Optional.empty();
    }
}
