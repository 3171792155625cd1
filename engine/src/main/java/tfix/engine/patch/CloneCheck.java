package tfix.engine.patch;

import java.util.List;
import java.util.stream.Collectors;

import tfix.engine.elf.CloneName;
import tfix.engine.failure.Printable;

/**
 * The "clones" check: whether the calls meant for a replaced function reach it, or go to the compiler's
 * clones of it (which keep the old code). The rule: when the function's callable clones together take more
 * direct calls than the function itself, the replace is refused unless every clone that takes calls is
 * replaced too (in the same write, or already) or the user said {@code clones: 'ignore'}. Only direct
 * calls and jumps inside the module are counted: calls through the PLT, the GOT or a function pointer are
 * not seen, and a module's own calls from the function or its clones are left out (they stop with it).
 */
public final class CloneCheck {
    public static final String NAME = "clones";

    /** One clone of the function: its direct calls from elsewhere in the module, and whether it is replaced too. */
    public record Clone(String name, long address, int calls, boolean cold, boolean covered) {
        boolean takesCalls() {
            return !cold && calls > 0;
        }
    }

    private CloneCheck() {
    }

    /** The check for replacing {@code function} (with {@code calls} direct calls) by {@code newName}. */
    public static Check forFunction(String function, int calls, List<Clone> clones, String newName, boolean ignored) {
        String f = Printable.of(function);
        String head = f + " has " + calls(calls) + "; " + clones.stream().map(c -> c.cold()
                ? "its cold part " + Printable.of(c.name()) + " runs only from it and takes no calls"
                : "its clone " + Printable.of(c.name()) + " has " + c.calls()).collect(Collectors.joining(", "));
        List<Clone> takers = clones.stream().filter(Clone::takesCalls).toList();
        int toClones = takers.stream().mapToInt(Clone::calls).sum();
        List<Clone> uncovered = takers.stream().filter(c -> !c.covered()).toList();
        if (takers.isEmpty()) {
            return Check.pass(NAME, head);
        }
        if (uncovered.isEmpty()) {
            return Check.pass(NAME, head + ": " + names(takers) + (takers.size() == 1 ? " is" : " are") + " replaced too");
        }
        String lost = ": those calls will not reach " + Printable.of(newName);
        if (ignored) {
            return Check.pass(NAME, head + lost + " (clones: 'ignore')");
        }
        if (toClones <= calls) {
            return Check.pass(NAME, head + lost + " (most go to " + f + " itself; replace " + names(uncovered)
                    + " in the same transaction to catch them)");
        }
        String example = uncovered.stream().map(c -> "replace '" + Printable.of(c.name()) + "' ...")
                .collect(Collectors.joining("; "));
        return Check.fail(NAME, head + ": most calls would not reach " + Printable.of(newName)
                + "; replace the clones in the same transaction (transaction { replace '" + f + "' ...; " + example
                + " }, each new function with the clone's own signature) or add clones: 'ignore' to replace " + f + " alone");
    }

    /** The check for replacing a clone itself: allowed, with a warning that its signature is the compiler's. */
    public static Check forClone(CloneName clone, int calls) {
        String c = Printable.of(clone.name());
        if (clone.cold()) {
            return Check.fail(NAME, c + " is the cold part of " + Printable.of(clone.source())
                    + ": it is jumped to from there, not called; replace " + Printable.of(clone.source()) + " instead");
        }
        return Check.pass(NAME, "warning: " + c + " is a compiler clone of " + Printable.of(clone.source()) + " (" + clone.change()
                + "): its calling convention may differ from the source's, so the new function must match the clone's"
                + " actual signature (see its callers with disas); it has " + calls(calls));
    }

    private static String calls(int n) {
        return n + " direct call" + (n == 1 ? "" : "s");
    }

    private static String names(List<Clone> clones) {
        return clones.stream().map(c -> Printable.of(c.name())).collect(Collectors.joining(", "));
    }
}
