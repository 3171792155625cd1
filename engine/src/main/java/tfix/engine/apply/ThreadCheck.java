package tfix.engine.apply;

import java.util.List;

import tfix.engine.elf.ProcessSymbols;
import tfix.engine.process.Maps;
import tfix.engine.process.ProcMemory;
import tfix.engine.ptrace.Registers;
import tfix.engine.ptrace.StackReads;
import tfix.engine.ptrace.Tracee;

/**
 * Whether any stopped thread could run into the middle of the bytes about to change:
 * executing there, about to re-issue a system call whose instruction is there, or
 * holding a return address into them (a call made from those bytes, a signal context).
 * With {@code safety 'stack'}, also one with the old function anywhere on its stack.
 */
final class ThreadCheck {
    private final Tracee tracee;
    private final ProcMemory memory;
    private final ProcessSymbols symbols;
    private final boolean stackCheck;
    /** Stacks read in one batch at most this large in all (256 threads with safety 'stack' take 16 MiB). */
    private static final long MAX_BATCH = 32L << 20;
    private StackReads reads;
    private StackCheck stacks;

    ThreadCheck(Tracee tracee, ProcMemory memory, ProcessSymbols symbols, boolean stackCheck) {
        this.tracee = tracee;
        this.memory = memory;
        this.symbols = symbols;
        this.stackCheck = stackCheck;
    }

    private int scanBytes() {
        return stackCheck ? StackCheck.FUNCTION_SCAN : StackCheck.SITE_SCAN;
    }

    /**
     * Before the stop: the maps indexed for finding each stack, and the buffer every stack is read into inside
     * the stop, with room for threads born meanwhile
     * (a process too large for one buffer has its stacks read one by one).
     */
    void prepare(Maps maps) {
        stacks = new StackCheck(memory, maps, () -> tracee.process().maps());
        int room = tracee.threadCount() + tracee.threadCount() / 4 + 8;
        if ((long) room * scanBytes() <= MAX_BATCH && (reads == null || !reads.fits(room, scanBytes()))) {
            reads = new StackReads(tracee, memory, room, scanBytes());
        }
    }

    /** The first thread in the way, in words, or null when every thread is clear. Threads must be stopped. */
    String busyThread(List<Write> writes) {
        List<Integer> tids = tracee.threadIds();
        int n = tids.size();
        Registers[] regs = new Registers[n];
        StackCheck.Window[] windows = new StackCheck.Window[n];
        long[] from = new long[n];
        int[] length = new int[n];
        for (int i = 0; i < n; i++) {
            regs[i] = tracee.registers(tids.get(i));
            windows[i] = stacks.window(regs[i], scanBytes());
            from[i] = windows[i].from();
            length[i] = windows[i].length();
        }
        boolean batched = reads != null && reads.fits(n, scanBytes());
        if (batched) {
            reads.read(from, length); // every stack with one call
        }
        long[] values = new long[scanBytes() / 8 + StackCheck.MAX_FRAMES];
        for (int i = 0; i < n; i++) {
            // One read of the thread's stack serves every site of the write.
            StackCheck.Words words;
            if (batched) {
                reads.words(i, values);
                words = stacks.words(regs[i], windows[i], values);
            } else {
                words = stacks.words(regs[i], scanBytes());
            }
            for (Write w : writes) {
                String busy = busy(tids.get(i), regs[i], words, w);
                if (busy != null) {
                    return busy;
                }
            }
        }
        return null;
    }

    /** The same for one stopped thread alone. */
    String busy(int tid, List<Write> writes, Maps maps) {
        Registers regs = tracee.registers(tid);
        StackCheck.Words words = new StackCheck(memory, maps, () -> tracee.process().maps())
                .words(regs, scanBytes());
        for (Write w : writes) {
            String busy = busy(tid, regs, words, w);
            if (busy != null) {
                return busy;
            }
        }
        return null;
    }

    private String busy(int tid, Registers regs, StackCheck.Words words, Write w) {
        if (w.data()) {
            return LoaderCheck.inLoader(tid, regs, symbols, w);
        }
        if (w.covers(regs.rip())) {
            return InTheWay.executing(tid, w, symbols.describe(regs.rip()));
        }
        long restart = regs.rip() - 2;
        if (regs.origRax() >= 0 && restart >= w.address() && restart < w.address() + w.length()) {
            return InTheWay.restarting(tid, w);
        }
        String into = words.within(w.address() + 1, w.address() + w.length());
        if (into != null) {
            return InTheWay.returning(tid, w, into);
        }
        if (stackCheck && w.replacing()) {
            String where = w.inFunction(regs.rip()) ? "executing it"
                    : words.within(w.entry() + 1, w.entry() + Math.max(w.functionSize(), 1));
            if (where != null) {
                return InTheWay.onStack(tid, w, where);
            }
        }
        return null;
    }
}
