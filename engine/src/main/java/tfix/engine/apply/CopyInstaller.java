package tfix.engine.apply;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import tfix.engine.failure.Printable;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.patch.OriginalCopy;
import tfix.engine.patch.Planner;
import tfix.engine.patch.SitePlan;
import tfix.engine.process.ProcMemory;
import tfix.engine.record.PatchBook;
import tfix.engine.remote.RemoteLibc;

/**
 * Puts each plan's copy of the original in place and its address into the patch's variable, while the target
 * runs and before any jump goes live: nothing calls the copy until the new function is reached. Its slots are
 * recorded first, so no later run hands them out again, even if this one dies half-way; the copy and the
 * variable stay after a revert (a thread may be running in the copy).
 */
final class CopyInstaller {
    private CopyInstaller() {
    }

    static void install(List<SitePlan> plans, ProcMemory memory, PatchBook book, RemoteLibc libc) {
        List<SitePlan> copying = plans.stream().filter(p -> p.copy() != null).toList();
        if (copying.isEmpty()) {
            return;
        }
        List<Long> slots = new ArrayList<>();
        copying.stream().map(SitePlan::copy).forEach(c -> {
            for (int i = 0; i < c.slots(); i++) {
                slots.add(c.address() + (long) i * Planner.TRAMPOLINE_SLOT);
            }
        });
        book.useSlots(slots, libc);
        for (SitePlan p : copying) {
            OriginalCopy c = p.copy();
            writeAndCheck(memory, c.address(), c.code(), p, "its copy of the original at");
            writeAndCheck(memory, c.variableAddress(), littleEndian(c.address()), p,
                    "the variable " + Printable.of(c.variable()) + " at");
        }
    }

    private static void writeAndCheck(ProcMemory memory, long address, byte[] bytes, SitePlan p, String what) {
        boolean same;
        try {
            memory.write(address, bytes);
            same = Arrays.equals(memory.read(address, bytes.length), bytes);
        } catch (UncheckedIOException e) {
            throw new TfixException(Reason.TARGET_REFUSED, String.format("cannot replace %s: cannot write %s %#x (%s);"
                    + " %s was not changed, the patch library stays loaded, unused", Printable.of(p.function()), what, address,
                    e.getMessage(), Printable.of(p.function())), e);
        }
        if (!same) {
            throw new TfixException(Reason.VERIFY_FAILED, String.format("cannot replace %s: %s %#x reads back differently"
                    + " after writing (something else writes there); %s was not changed, the patch library stays loaded,"
                    + " unused", Printable.of(p.function()), what,
                    address, Printable.of(p.function())));
        }
    }

    static byte[] littleEndian(long v) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (v >>> (8 * i));
        }
        return b;
    }
}
