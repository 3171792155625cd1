package tfix.engine.prepare;

import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Function;

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
    private final Function<String, TlsModules.Tls> tls;

    /** {@code tls}: the TLS module id and static offset of a module (by path), read from the target when asked. */
    ReferenceBinder(ProcMemory memory, Function<String, TlsModules.Tls> tls) {
        this.memory = memory;
        this.tls = tls;
    }

    /** Returns how many slots were written (0 when all held their values already). */
    int bind(ReferencePlan plan, LoadedModule patch) {
        int written = 0;
        for (ReferencePlan.Bound b : plan.bound()) {
            for (PatchReferences.Slot s : b.slots()) {
                long slot = slotAddress(patch, s, b.name());
                long value = b.threadLocal() ? tlsValue(b, s, patch) : b.address() + s.addend();
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

    /**
     * What the loader would have written had it found the thread-local variable (it leaves a weak one's slots 0):
     * the module id, the offset in the module's block, or (initial-exec) the offset from the thread pointer,
     * which only a module with a static TLS block has.
     */
    private long tlsValue(ReferencePlan.Bound b, PatchReferences.Slot s, LoadedModule patch) {
        TlsModules.Tls t = tls.apply(b.module());
        return switch (s.type()) {
            case PatchReferences.R_X86_64_DTPMOD64 -> t.modid();
            case PatchReferences.R_X86_64_DTPOFF64 -> b.address() + s.addend();
            default -> {
                if (!t.hasStaticBlock()) {
                    throw new TfixException(Reason.UNSUPPORTED, String.format("the patch %s reaches the thread-local '%s' of %s"
                            + " as initial-exec code (R_X86_64_TPOFF64), but that module was loaded by dlopen and its TLS is"
                            + " dynamic: build the patch without -ftls-model=initial-exec; no jump was written, the patch"
                            + " library stays loaded, unused", Printable.of(patch.fileName()), Printable.of(b.name()),
                            Printable.of(b.module())));
                }
                yield b.address() + s.addend() - t.offset();
            }
        };
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
