package tfix.engine.apply;

import java.util.Arrays;
import java.util.List;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.patch.PadFinder;
import tfix.engine.patch.ShortJump;
import tfix.engine.patch.SitePlan;
import tfix.engine.prepare.Prepared;
import tfix.engine.process.ProcMemory;
import tfix.engine.record.PatchBook;
import tfix.engine.remote.RemoteLibc;

/**
 * Writes the pads of {@link ShortJump} plans while the target runs: nothing jumps to a pad before its site is
 * written. Each is noted in the record as a used slot first and never written again once live (a thread may sit on
 * it after a revert), so a later run neither reuses nor overwrites it.
 */
final class PadWriter {
    private PadWriter() {
    }

    static void write(List<Prepared> todo, ProcMemory memory, PatchBook book, RemoteLibc libc) {
        // A pad that holds its jump already is an earlier patch's, reused as it is: never written again.
        List<SitePlan> plans = todo.stream().map(Prepared::plan).filter(p -> ShortJump.planned(p) && !p.alreadyApplied())
                .filter(p -> !Arrays.equals(memory.read(pad(p), PadFinder.PAD), code(p))).toList();
        if (plans.isEmpty()) {
            return;
        }
        book.useSlots(plans.stream().map(PadWriter::pad).toList(), libc);
        for (SitePlan p : plans) {
            long pad = pad(p);
            byte[] code = code(p);
            byte[] now = memory.read(pad, PadFinder.PAD);
            if (!padding(now)) {
                throw new TfixException(Reason.UNSAFE_SITE, String.format("the pad at %#x for %s changed since it was"
                        + " planned; no code was changed", pad, p.function()));
            }
            memory.write(pad, code);
            if (!Arrays.equals(memory.read(pad, PadFinder.PAD), code)) {
                throw new TfixException(Reason.UNSAFE_SITE, String.format("the pad at %#x for %s reads back other bytes;"
                        + " no code was changed", pad, p.function()));
            }
        }
    }

    private static long pad(SitePlan p) {
        return ShortJump.pad(p.site(), p.patch());
    }

    private static byte[] code(SitePlan p) {
        return ShortJump.padCode(pad(p), ShortJump.padTarget(p.trampoline(), p.target()));
    }

    /** Still nothing but padding bytes (what the plan saw; the planner checked the nop forms). */
    private static boolean padding(byte[] b) {
        for (byte x : b) {
            int v = x & 0xff;
            if (v != 0x90 && v != 0xcc && v != 0x00 && v != 0x66 && v != 0x0f && v != 0x1f && v != 0x44 && v != 0x40
                    && v != 0x80 && v != 0x84 && v != 0x2e) {
                return false;
            }
        }
        return true;
    }
}
