package tfix.engine.patch;

import java.util.LinkedHashSet;
import java.util.Set;

import tfix.engine.failure.Printable;
import tfix.engine.x86.CodeWriter;
import tfix.engine.x86.JumpKind;
import tfix.engine.x86.X86Decoder;

/** A plan in words: per site, the old and new bytes with their disassembly, the jump, every check. */
public final class PlanPrinter {
    private final X86Decoder decoder;

    public PlanPrinter(X86Decoder decoder) {
        this.decoder = decoder;
    }

    /** The jump as written: the absolute jump's address is data, not instructions. */
    private String jump(byte[] bytes, long at, JumpKind kind, long target) {
        if (kind == JumpKind.ABS64) {
            return String.format("jmp qword ptr [rip]; .quad %#x; %d x int3", target, bytes.length - JumpKind.ABS64.length);
        }
        return decoder.describe(bytes, at);
    }

    public String print(SitePlan p) {
        if (p.importSlot() != null) {
            return p.describe(); // data, not code: nothing to disassemble
        }
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%s at %#x (%s)%n  -> %s at %#x (%s)%n", Printable.of(p.function()), p.entry(),
                Printable.of(p.module()), Printable.of(p.targetName()), p.target(), Printable.of(p.targetModule())));
        if (p.callers() != null) {
            return sb.append("  ").append(p.jumpLabel()).append('\n').append(callers(p)).toString();
        }
        sb.append(String.format("  site %#x: %d bytes, %s%s%n", p.site(), p.length(), p.jumpLabel(),
                p.alreadyApplied() ? " (already in place)" : ""));
        sb.append("  old  ").append(CodeWriter.hex(p.original())).append('\n');
        sb.append("       ").append(decoder.describe(p.original(), p.site())).append('\n');
        sb.append("  new  ").append(CodeWriter.hex(p.patch())).append('\n');
        sb.append("       ").append(jump(p.patch(), p.site(), p.kind(), p.trampoline() != 0 ? p.trampoline() : p.target()))
                .append('\n');
        if (p.trampoline() != 0) {
            sb.append(String.format("  trampoline %#x: %s%n", p.trampoline(), CodeWriter.hex(p.trampolineCode())));
            sb.append("       ").append(jump(p.trampolineCode(), p.trampoline(), JumpKind.ABS64, p.target())).append('\n');
        }
        if (p.copy() != null) {
            OriginalCopy c = p.copy();
            sb.append(String.format("  original copy at %#x: %s%n", c.address(), decoder.describe(c.code(), c.address())));
            sb.append("       ").append(CodeWriter.hex(c.code())).append('\n');
            sb.append(String.format("       its address goes into %s at %#x%n", Printable.of(c.variable()), c.variableAddress()));
        }
        for (Check c : p.checks()) {
            sb.append("  ").append(c).append('\n');
        }
        return sb.toString();
    }

    /** Each retargeted caller, its instruction before and after; each trampoline once; then the checks. */
    private String callers(SitePlan p) {
        StringBuilder sb = new StringBuilder();
        Set<Long> slots = new LinkedHashSet<>();
        for (CallerSite c : p.callers().sites()) {
            sb.append(String.format("  caller %#x (%s)%n", c.address(), Printable.of(c.from())));
            sb.append(String.format("    old  %-20s %s%n", CodeWriter.hex(c.original()), decoder.describe(c.original(), c.address())));
            sb.append(String.format("    new  %-20s %s%n", CodeWriter.hex(c.patch()), decoder.describe(c.patch(), c.address())));
            if (c.trampoline() != 0) {
                slots.add(c.trampoline());
            }
        }
        for (long slot : slots) {
            byte[] code = Planner.trampolineCode(slot, p.target());
            sb.append(String.format("  trampoline %#x: %s%n", slot, jump(code, slot, JumpKind.ABS64, p.target())));
        }
        for (Check c : p.checks()) {
            sb.append("  ").append(c).append('\n');
        }
        return sb.toString();
    }
}
