package tfix.engine.patch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongUnaryOperator;

import tfix.engine.failure.Printable;
import tfix.engine.x86.X86Decoder;

/**
 * Plans a function too short for any jump as its callers retargeted: each direct {@code call rel32},
 * {@code jmp rel32} or {@code jcc rel32} to its entry gets the new function (or a trampoline slot near
 * it that jumps on) as its target. Refuses, naming the places, whatever a retargeted caller cannot
 * cover: a short branch, an address taken, a module that imports the function. Pure: no I/O.
 */
public final class CallerPlanner {
    private final X86Decoder decoder;

    public CallerPlanner(X86Decoder decoder) {
        this.decoder = decoder;
    }

    /**
     * Whether the planner refused the site only for want of room: the size check failed on a function of
     * known size (a branch landing in the bytes a jump would need is the same lack of room; so are changed
     * bytes past the function, such as a neighbour's jump: the caller survey checks the function's own
     * bytes), and nothing else failed. Any other refusal stays as it is.
     */
    public static boolean onlyLacksRoom(SitePlan p) {
        List<Check> failed = p.failures();
        return p.functionSize() > 0 && p.callers() == null && failed.stream().anyMatch(c -> c.name().equals("size"))
                && failed.stream().allMatch(c -> List.of("size", "branches", "bytes").contains(c.name()));
    }

    /**
     * The plan for the callers of {@code tooShort}'s function. {@code slotNear} gives a trampoline slot in
     * reach of a caller's address; it is asked only when every check passed, and one slot serves every
     * later caller it reaches.
     */
    public SitePlan plan(SitePlan tooShort, CallerRequest r, LongUnaryOperator slotNear) {
        String fn = Printable.of(tooShort.function());
        List<Check> checks = new ArrayList<>(); // why the callers cannot be retargeted, if they cannot
        List<String> shortOnes = new ArrayList<>();
        List<String> odd = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        for (CallerRequest.Caller c : r.callers()) {
            int len = rel32Length(c.fileBytes());
            if (len == 0) {
                (isShort(c.fileBytes()) ? shortOnes : odd).add(String.format("%#x (%s): %s", c.address(), c.from(),
                        firstInstruction(c)));
            } else if (!Arrays.equals(c.currentBytes(), 0, len, c.fileBytes(), 0, len)) {
                changed.add(String.format("%#x (%s)", c.address(), c.from()));
            }
        }
        if (r.unsound() != null) {
            checks.add(Check.fail("callers", r.unsound()));
        }
        if (!shortOnes.isEmpty()) {
            checks.add(Check.fail("callers", String.format("%d short branch%s to %s cannot reach another target: %s;"
                    + " replace the function%s holding %s instead", shortOnes.size(), shortOnes.size() == 1 ? "" : "es",
                    fn, String.join("; ", shortOnes), shortOnes.size() == 1 ? "" : "s", shortOnes.size() == 1 ? "it" : "them")));
        }
        if (!odd.isEmpty()) {
            checks.add(Check.fail("callers", "branches to " + fn + " in a form tfix does not retarget (only call, jmp and"
                    + " jcc with a 32-bit displacement): " + String.join("; ", odd)));
        }
        if (!changed.isEmpty()) {
            checks.add(Check.fail("callers", "the bytes of the branches at " + String.join(", ", changed) + " differ from "
                    + Printable.of(tooShort.module()) + " (a tfix patch in force over them, another patcher or a debugger changed them);"
                    + " refusing to overwrite them"));
        }
        if (!r.takenAt().isEmpty()) {
            checks.add(Check.fail("address", "the address of " + fn + " is taken at " + String.join("; ", r.takenAt())
                    + ": a call through it would still run the old code, and tfix does not rewrite stored addresses;"
                    + " replace the functions that call " + fn + " instead"));
        }
        if (!r.importers().isEmpty()) {
            checks.add(Check.fail("imports", fn + " is exported and " + String.join(", ", r.importers()) + " bind"
                    + (r.importers().size() == 1 ? "s" : "") + " to it by name, calling it through their GOT, which tfix"
                    + " does not retarget for a caller redirection; replace their callers instead"));
        }
        if (r.callers().isEmpty() && r.unsound() == null) {
            checks.add(Check.fail("callers", "no direct call or jump in " + Printable.of(tooShort.module()) + " reaches "
                    + fn + ": nothing to redirect (calls through pointers computed at run time cannot be found)"));
        }
        if (!checks.isEmpty()) {
            // Refused both ways: the jump's own refusal first, then why its callers cannot take it.
            checks.addAll(0, tooShort.checks());
            return tooShort.withCallers(List.copyOf(checks), new CallerPlan(List.of()));
        }
        checks.addAll(tooShort.checks().stream().filter(c -> !List.of("size", "branches", "bytes").contains(c.name())).toList());
        checks.add(Check.pass("bytes", String.format("the %d bytes of %s match %s (the survey compared them); none of them"
                + " is written", tooShort.functionSize(), fn, Printable.of(tooShort.module()))));
        checks.add(Check.pass("size", String.format("%s is %d bytes, too short for any jump: its callers are"
                + " retargeted instead", fn, tooShort.functionSize())));
        List<CallerSite> sites = retarget(r.callers(), tooShort.target(), slotNear);
        checks.add(Check.pass("callers", String.format("%d direct branch%s in %s retargeted, %d through a trampoline",
                sites.size(), sites.size() == 1 ? "" : "es", Printable.of(tooShort.module()),
                sites.stream().filter(s -> s.trampoline() != 0).count())));
        checks.add(Check.pass("indirect", "no stored or computed address of " + fn + " was found in its module; a call"
                + " through a pointer made at run time (another module, dlsym) would still run the old code"));
        return tooShort.withCallers(List.copyOf(checks), new CallerPlan(sites));
    }

    private static List<CallerSite> retarget(List<CallerRequest.Caller> callers, long target, LongUnaryOperator slotNear) {
        List<Long> slots = new ArrayList<>();
        List<CallerSite> sites = new ArrayList<>();
        for (CallerRequest.Caller c : callers) {
            int len = rel32Length(c.fileBytes());
            long end = c.address() + len;
            long via = target;
            long slot = 0;
            if (!reaches(end, target)) {
                slot = slots.stream().filter(s -> reaches(end, s)).findFirst().orElse(0L);
                if (slot == 0) {
                    slot = slotNear.applyAsLong(c.address());
                    slots.add(slot);
                }
                via = slot;
            }
            byte[] original = Arrays.copyOf(c.fileBytes(), len);
            byte[] patch = original.clone();
            int disp = (int) (via - end);
            for (int i = 0; i < 4; i++) {
                patch[len - 4 + i] = (byte) (disp >>> (8 * i));
            }
            sites.add(new CallerSite(c.address(), c.from(), original, patch, slot));
        }
        return sites;
    }

    private static boolean reaches(long end, long to) {
        long disp = to - end;
        return disp == (int) disp;
    }

    /** 5 for call or jmp rel32, 6 for jcc rel32, else 0 (no legacy prefix: a bnd or other prefix is not retargeted). */
    static int rel32Length(byte[] b) {
        if (b.length >= 5 && ((b[0] & 0xff) == 0xe8 || (b[0] & 0xff) == 0xe9)) {
            return 5;
        }
        return b.length >= 6 && (b[0] & 0xff) == 0x0f && (b[1] & 0xf0) == 0x80 ? 6 : 0;
    }

    /** jmp rel8, jcc rel8, loop and jrcxz: their one-byte displacement cannot reach anything new. */
    static boolean isShort(byte[] b) {
        int op = b.length == 0 ? 0 : b[0] & 0xff;
        return op == 0xeb || (op >= 0x70 && op <= 0x7f) || (op >= 0xe0 && op <= 0xe3);
    }

    private String firstInstruction(CallerRequest.Caller c) {
        return decoder.decode(c.fileBytes(), c.address()).stream().findFirst()
                .map(i -> (i.mnemonic() + " " + i.operands()).trim()).orElse("undecodable bytes");
    }
}
