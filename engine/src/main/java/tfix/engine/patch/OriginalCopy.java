package tfix.engine.patch;

/**
 * A callable copy of the original function's first instructions, and the patch's function-pointer variable
 * that gets its address ({@code original: 'compute_orig'}).
 *
 * @param address where the copy goes: whole trampoline slots, never reused or freed
 * @param code    the relocated instructions and the jump back to the first one not copied
 */
public record OriginalCopy(String variable, long variableAddress, long address, byte[] code) {

    /** The slots (of {@link Planner#TRAMPOLINE_SLOT} bytes) it takes. */
    public int slots() {
        return slotsFor(code.length);
    }

    public static int slotsFor(int bytes) {
        return (bytes + Planner.TRAMPOLINE_SLOT - 1) / Planner.TRAMPOLINE_SLOT;
    }
}
