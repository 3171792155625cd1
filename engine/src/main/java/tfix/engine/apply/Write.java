package tfix.engine.apply;

import java.util.Arrays;
import java.util.List;

import tfix.engine.patch.Planner;
import tfix.engine.patch.ShortJump;
import tfix.engine.patch.SitePlan;
import tfix.engine.record.AppliedPatch;
import tfix.engine.record.SiteKind;

/**
 * One change of code at {@code address}: expect {@code before}, leave {@code after}.
 * {@code entry} and {@code functionSize} say which function the bytes belong to, for the
 * thread checks; {@code replacing}: the old function's code goes out of use (a replace,
 * not a revert), so {@code safety 'stack'} applies. {@code data}: an import slot, not code: no thread
 * executes it, but none may be inside the dynamic loader, which could bind the slot after tfix wrote it.
 * {@code inOneInstruction}: 2 bytes that lie inside one instruction before the write (a {@link ShortJump} planned
 * over a first instruction of 2 bytes or more, or such a jump taken out): the agent may write them with no stop.
 */
public record Write(String function, long address, byte[] before, byte[] after, long entry, long functionSize,
                    boolean replacing, boolean data, boolean inOneInstruction) {

    public Write(String function, long address, byte[] before, byte[] after, long entry, long functionSize,
                 boolean replacing, boolean data) {
        this(function, address, before, after, entry, functionSize, replacing, data, false);
    }

    public Write(String function, long address, byte[] before, byte[] after, long entry, long functionSize,
                 boolean replacing) {
        this(function, address, before, after, entry, functionSize, replacing, false);
    }

    /** The jump of a plan over the original code. */
    public static Write installing(SitePlan p) {
        return new Write(p.function(), p.site(), p.original(), p.patch(), p.entry(), p.functionSize(), true,
                p.importSlot() != null, ShortJump.planned(p));
    }

    /**
     * Each retargeted branch of a plan through callers. Not a replacing write: the old function's code stays
     * as it is, so a thread in it finishes it there (safety 'stack' has nothing to wait for).
     */
    public static List<Write> redirecting(SitePlan p) {
        return p.callers().sites().stream().map(c -> new Write(p.function(), c.address(), c.original(), c.patch(),
                c.address(), c.original().length, false)).toList();
    }

    /** The first bytes of every branch a plan through callers would retarget, for the thread check before loading. */
    public static List<Write> callerFirstBytes(SitePlan p) {
        return p.callers().sites().stream().map(c -> new Write(p.function(), c.address(), c.original(), c.original(),
                c.address(), c.original().length, false)).toList();
    }

    /** The jump of a plan over an earlier patch's jump at the same site, in one write. */
    public static Write takingOver(SitePlan p, byte[] earlierJump) {
        return new Write(p.function(), p.site(), Planner.expectedOver(earlierJump, p.original()), p.patch(), p.entry(),
                p.functionSize(), true, p.importSlot() != null, ShortJump.planned(p));
    }

    /**
     * The first {@code length} bytes of a plan's site, as they are now: what any jump there would replace,
     * for the thread check made before the patch is loaded (nothing is written with it).
     */
    public static Write firstBytes(SitePlan p, int length) {
        byte[] original = Arrays.copyOf(p.original(), length);
        return new Write(p.function(), p.site(), original, original, p.entry(), p.functionSize(), true);
    }

    /** The original code back over a recorded patch's jump. */
    public static Write undoing(AppliedPatch p) {
        // A 2-byte jmp rel8 is one instruction: no thread can be between its bytes, whatever the original was.
        return new Write(p.function(), p.site(), p.patch(), p.original(), p.entry(), 0, false, p.kind() == SiteKind.IMPORT,
                p.kind() == SiteKind.JUMP && ShortJump.isShort(p.patch()) && (p.site() & 1) == 0);
    }

    public int length() {
        return after.length;
    }

    /** Whether an address lies inside the changed bytes, past their first (where a thread may safely be). */
    public boolean covers(long a) {
        return a > address && a < address + after.length;
    }

    /** Whether an address lies in the old function (for the stack check). */
    public boolean inFunction(long a) {
        return a >= entry && a < entry + Math.max(functionSize, after.length + (address - entry));
    }
}
