package tfix.engine.prepare;

import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import tfix.engine.elf.LoadedModule;
import tfix.engine.elf.PatchReferences;
import tfix.engine.failure.Printable;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.process.ProcMemory;

/**
 * Fills a loaded patch's own slots (its GOT entries and data words) with the addresses its references
 * resolved to, after dlopen and before any jump leads into the patch: until then no program code calls it.
 * Writes through /proc/PID/mem, which writes the RELRO pages the loader made read-only (no mprotect), and
 * reads every slot back. A slot already holding its value (the patch was loaded by an earlier replace or
 * tfix run) is left as it is.
 */
final class ReferenceBinder {
    private final ProcMemory memory;

    ReferenceBinder(ProcMemory memory) {
        this.memory = memory;
    }

    /** Returns how many slots were written (0 when all held their values already). */
    int bind(ReferencePlan plan, LoadedModule patch) {
        int written = 0;
        for (ReferencePlan.Bound b : plan.bound()) {
            for (PatchReferences.Slot s : b.slots()) {
                long slot = slotAddress(patch, s, b.name());
                long value = b.address() + s.addend();
                try {
                    if (memory.readLong(slot) != value) {
                        memory.write(slot, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array());
                        written++;
                    }
                    long back = memory.readLong(slot);
                    if (back != value) {
                        throw new TfixException(Reason.VERIFY_FAILED, String.format("the slot at %#x of %s for '%s' reads back"
                                + " %#x after tfix wrote %#x: no jump was written, the patch library stays loaded, unused",
                                slot, Printable.of(patch.fileName()), Printable.of(b.name()), back, value));
                    }
                } catch (UncheckedIOException e) {
                    throw new TfixException(Reason.TARGET_REFUSED, String.format("cannot write the slot at %#x of %s for '%s'"
                            + " (%s): no jump was written, the patch library stays loaded, unused", slot,
                            Printable.of(patch.fileName()), Printable.of(b.name()), e.getMessage()));
                }
            }
        }
        return written;
    }

    /** The slot's process address; it must lie, whole, in one of the patch's loadable segments. */
    private static long slotAddress(LoadedModule patch, PatchReferences.Slot s, String name) {
        boolean inside = patch.image().segments().stream()
                .anyMatch(g -> s.offset() >= g.vaddr() && s.offset() <= g.vaddr() + g.memsz() - 8);
        if (!inside) {
            throw new TfixException(Reason.BAD_PATCH_FILE, String.format("the patch %s relocates '%s' at %#x, outside its"
                    + " loadable segments: the file is damaged; no jump was written", Printable.of(patch.fileName()),
                    Printable.of(name), s.offset()));
        }
        return patch.bias() + s.offset();
    }
}
