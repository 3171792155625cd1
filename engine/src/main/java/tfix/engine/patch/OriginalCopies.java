package tfix.engine.patch;

import java.util.function.LongUnaryOperator;

import tfix.engine.failure.Printable;
import tfix.engine.x86.CodeWriter;
import tfix.engine.x86.InstructionRelocator;
import tfix.engine.x86.Relocation;
import tfix.engine.x86.X86Decoder;

/**
 * Plans the callable copy of the original that {@code original:} asks for: the instructions the jump
 * displaces, from the entry (an endbr64 included, since the copy is called through a pointer) to the end of
 * the last one the jump covers, relocated to where the copy goes. The copy is always of the original code
 * (the plan's original bytes, as the file has them), never of an earlier patch's jump. Pure.
 */
public final class OriginalCopies {
    private final InstructionRelocator relocator;

    public OriginalCopies(X86Decoder decoder) {
        this.relocator = new InstructionRelocator(decoder);
    }

    /** What a copy holds for a site: the same from the plan and, at verify, from the record. */
    public Relocation code(long entry, long site, byte[] original, long at) {
        byte[] displaced = original;
        if (site != entry) { // the planner starts a site past the entry only for an endbr64
            displaced = new byte[original.length + CodeWriter.endbr64Length()];
            System.arraycopy(CodeWriter.endbr64(), 0, displaced, 0, CodeWriter.endbr64Length());
            System.arraycopy(original, 0, displaced, CodeWriter.endbr64Length(), original.length);
        }
        return relocator.relocate(displaced, entry, at);
    }

    /**
     * The plan with its copy, or with a failed "original" check saying which instruction cannot be copied.
     * {@code place} gives the address of room for so many bytes (real slots, or a hypothetical place for a
     * plan that changes nothing); asked again if the copy made there turns out longer than asked for.
     */
    public SitePlan withCopy(SitePlan plan, String variable, long variableAddress, LongUnaryOperator place) {
        Relocation trial = code(plan.entry(), plan.site(), plan.original(), JumpChoice.hypotheticalSlot(plan.entry()));
        Relocation made = trial;
        long at = 0;
        for (int tries = 0; made.ok() && tries < 3; tries++) {
            int room = OriginalCopy.slotsFor(made.code().length) * Planner.TRAMPOLINE_SLOT;
            at = place.applyAsLong(room);
            made = code(plan.entry(), plan.site(), plan.original(), at);
            if (made.ok() && made.code().length <= room) {
                return plan.withCopy(new OriginalCopy(variable, variableAddress, at, made.code())).withCheck(Check.pass(
                        "original", String.format("%s at %#x will hold a copy of %s's first %d bytes, relocated to %#x"
                                + " (%d bytes, jumping back to %#x)", Printable.of(variable), variableAddress,
                                Printable.of(plan.function()), plan.site() - plan.entry() + plan.original().length, at,
                                made.code().length, plan.site() + plan.original().length)));
            }
        }
        String why = made.ok() ? String.format("its copy at %#x keeps growing", at) : made.refusal();
        return plan.withCheck(Check.fail("original", "cannot make a callable copy of " + Printable.of(plan.function())
                + ": " + why));
    }
}
