package tfix.engine.x86;

import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;

/**
 * Makes a callable copy of a function's first instructions at another address: each instruction rewritten so
 * it does there what it did in place, then a jump back to the first instruction not copied. RIP-relative
 * operands get their displacement adjusted; jmp, call and j<cc> are re-aimed (short forms widened, an absolute
 * form when a rel32 does not reach); a branch into the copied bytes goes to its copy. Anything else that
 * depends on where it runs (loop and jrcxz out of the copy, xbegin, a displacement that no longer fits) is
 * refused, naming the instruction. Pure.
 */
public final class InstructionRelocator {
    private final X86Decoder decoder;

    public InstructionRelocator(X86Decoder decoder) {
        this.decoder = decoder;
    }

    /** One instruction of the copy: where it was, its bytes, and whether its branch needs the absolute form. */
    private record Step(Instruction insn, byte[] bytes, RelativeBranch branch, boolean inside) {
    }

    /** The whole instructions {@code code} (at {@code from}) rewritten to run at {@code to}, then the jump back. */
    public Relocation relocate(byte[] code, long from, long to) {
        List<Instruction> insns = decoder.decode(code, from);
        long end = from + code.length;
        Step[] steps = new Step[insns.size()];
        int decoded = 0;
        for (int k = 0; k < steps.length; k++) {
            Instruction i = insns.get(k);
            byte[] bytes = Arrays.copyOfRange(code, decoded, decoded + i.size());
            decoded += i.size();
            RelativeBranch b = i.branchTarget().isPresent() ? RelativeBranch.read(bytes) : null;
            long t = b == null ? 0 : i.branchTarget().getAsLong();
            boolean inside = b != null && t >= from && t < end;
            String why = refusal(i, b, inside, insns, t);
            if (why != null) {
                return Relocation.refused(String.format("%#x %s cannot be relocated (%s)", i.address(),
                        (i.mnemonic() + " " + i.operands()).trim(), why));
            }
            steps[k] = new Step(i, bytes, b, inside);
        }
        if (decoded != code.length) {
            return Relocation.refused(String.format("%#x: bytes that do not decode cannot be relocated", from + decoded));
        }
        boolean[] far = layout(steps, from, to);
        long[] at = offsets(steps, far, to);
        CodeWriter w = new CodeWriter(to);
        for (int k = 0; k < steps.length; k++) {
            String why = emit(w, steps[k], far[k], at, insns, from);
            if (why != null) {
                Instruction i = steps[k].insn();
                return Relocation.refused(String.format("%#x %s cannot be relocated (%s)", i.address(),
                        (i.mnemonic() + " " + i.operands()).trim(), why));
            }
        }
        w.jump(CodeWriter.siteJump(w.pc(), end), end);
        return Relocation.of(w.bytes());
    }

    /** Why an instruction cannot be copied, or null. */
    private static String refusal(Instruction i, RelativeBranch b, boolean inside, List<Instruction> insns, long target) {
        if (i.mnemonic().startsWith("xbegin")) {
            return "its abort address is relative";
        }
        if (b != null && b.form() == RelativeBranch.Form.UNKNOWN) {
            return "a branch form tfix does not rewrite";
        }
        if (b != null && b.form() == RelativeBranch.Form.REL8_ONLY && !inside) {
            return "it has only a rel8 form and its target is outside the copied bytes";
        }
        if (inside && insns.stream().noneMatch(x -> x.address() == target)) {
            return String.format("its target %#x is inside a copied instruction", target);
        }
        if (b == null && RipOperand.present(i) && !i.operands().contains("[rip")) {
            return "it uses rip in a way tfix does not rewrite";
        }
        return null;
    }

    /** Which branches out of the copy need the absolute form: grown one at a time until the layout holds. */
    private static boolean[] layout(Step[] steps, long from, long to) {
        boolean[] far = new boolean[steps.length];
        boolean changed = true;
        while (changed) {
            changed = false;
            long[] at = offsets(steps, far, to);
            for (int k = 0; k < steps.length; k++) {
                Step s = steps[k];
                if (s.branch() != null && !s.inside() && !far[k] && !CodeWriter.reachesRel32(at[k], s.branch().nearLength(),
                        s.insn().branchTarget().getAsLong())) {
                    far[k] = true;
                    changed = true;
                }
            }
        }
        return far;
    }

    /** Where each step lands in the copy. */
    private static long[] offsets(Step[] steps, boolean[] far, long to) {
        long[] at = new long[steps.length];
        long pc = to;
        for (int k = 0; k < steps.length; k++) {
            at[k] = pc;
            RelativeBranch b = steps[k].branch();
            pc += b == null ? steps[k].bytes().length : far[k] ? b.farLength() : b.nearLength();
        }
        return at;
    }

    /** Writes one step; returns why it cannot be, or null. */
    private String emit(CodeWriter w, Step s, boolean far, long[] at, List<Instruction> insns, long from) {
        Instruction i = s.insn();
        RelativeBranch b = s.branch();
        if (b == null) {
            return RipOperand.present(i) ? emitRip(w, s, insns, from) : write(w, s.bytes());
        }
        long target = i.branchTarget().getAsLong();
        if (s.inside()) {
            int k = 0;
            while (insns.get(k).address() != target) {
                k++;
            }
            target = at[k];
        }
        try {
            switch (b.form()) {
                case JMP -> w.jump(far ? JumpKind.ABS64 : JumpKind.REL32, target);
                case CALL -> {
                    if (far) {
                        w.callAbsolute(target);
                    } else {
                        w.callNear(target);
                    }
                }
                case JCC -> {
                    if (far) {
                        w.jccAbsolute(b.cc(), target);
                    } else {
                        w.jccNear(b.cc(), target);
                    }
                }
                default -> w.rel8(b.opcode(), target);
            }
        } catch (IllegalArgumentException e) {
            return "its target is out of reach from the copy";
        }
        return null;
    }

    private static String write(CodeWriter w, byte[] bytes) {
        w.raw(bytes);
        return null;
    }

    /** A RIP-relative operand aimed at the same address from the copy; decoded again to be sure of the result. */
    private String emitRip(CodeWriter w, Step s, List<Instruction> insns, long from) {
        Instruction i = s.insn();
        OptionalInt off = RipOperand.dispOffset(s.bytes(), i.operands());
        if (off.isEmpty()) {
            return "a rip-relative operand tfix cannot locate in its bytes";
        }
        long operand = i.end() + RipOperand.disp32(s.bytes(), off.getAsInt());
        Instruction last = insns.get(insns.size() - 1);
        if (operand > from && operand < last.end()) {
            return String.format("it refers to %#x, inside the bytes the jump replaces", operand);
        }
        long disp = operand - (w.pc() + i.size());
        if (disp != (int) disp) {
            return String.format("%#x is out of a rip-relative operand's reach from the copy", operand);
        }
        byte[] moved = s.bytes().clone();
        for (int n = 0; n < 4; n++) {
            moved[off.getAsInt() + n] = (byte) (disp >>> (8 * n));
        }
        List<Instruction> again = decoder.decode(moved, w.pc());
        if (again.size() != 1 || again.get(0).size() != i.size() || !again.get(0).mnemonic().equals(i.mnemonic())
                || RipOperand.printed(again.get(0).operands()).orElse(disp + 1) != disp) {
            return "it did not decode the same with its displacement adjusted";
        }
        return write(w, moved);
    }
}
