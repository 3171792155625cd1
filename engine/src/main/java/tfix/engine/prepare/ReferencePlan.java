package tfix.engine.prepare;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import tfix.engine.elf.PatchReferences;
import tfix.engine.failure.Printable;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.patch.Check;

/**
 * Where each of a patch's references to the program binds, or why one cannot: shown in the plan as checks
 * named "reference", refused before the patch is loaded when any is unresolved.
 */
record ReferencePlan(List<Bound> bound, List<Problem> problems) {
    /**
     * A reference resolved to {@code address} in {@code module}; {@code sourceFile} may be null. For a thread-local
     * variable ({@code threadLocal}) the address is its offset in the module's TLS block: each thread has its own.
     */
    record Bound(String name, long address, String kind, String module, String sourceFile, List<PatchReferences.Slot> slots,
                 boolean threadLocal) {
        String describe() {
            return String.format("%s -> %s%#x (%s, %s%s)", Printable.of(name), threadLocal ? "tls+" : "", address, kind, Printable.of(module),
                    sourceFile == null ? "" : ", " + Printable.of(sourceFile));
        }
    }

    /** One reason the patch cannot be bound, in words that name the remedy. */
    record Problem(Reason reason, String text) {
    }

    static final ReferencePlan NONE = new ReferencePlan(List.of(), List.of());

    List<Check> checks() {
        List<Check> checks = new ArrayList<>();
        bound.forEach(b -> checks.add(Check.pass("reference", b.describe())));
        problems.forEach(p -> checks.add(Check.fail("reference", p.text())));
        return checks;
    }

    /** Refuses the replace of {@code function} when a reference is left unbound: no null ever goes live. */
    void refuseUnlessBound(String function, String consequence) {
        if (!problems.isEmpty()) {
            throw new TfixException(problems.get(0).reason(), "cannot replace " + Printable.of(function) + ": "
                    + problems.stream().map(Problem::text).collect(Collectors.joining("; ")) + consequence);
        }
    }
}
