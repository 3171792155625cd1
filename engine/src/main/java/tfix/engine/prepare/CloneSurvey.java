package tfix.engine.prepare;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

import tfix.engine.elf.CloneName;
import tfix.engine.elf.FunctionRef;
import tfix.engine.elf.LoadedModule;
import tfix.engine.elf.Symbol;
import tfix.engine.patch.BranchIndex;
import tfix.engine.patch.BranchIndexCache;
import tfix.engine.patch.Check;
import tfix.engine.patch.CloneCheck;

/**
 * Finds a function's compiler clones in its module by symbol name and counts the direct calls and jumps
 * (from the module's branch index, built before anything is stopped) that land on each one's entry.
 * Reads only; runs while planning.
 */
final class CloneSurvey {
    private final BranchIndexCache branchIndexes;

    CloneSurvey(BranchIndexCache branchIndexes) {
        this.branchIndexes = branchIndexes;
    }

    /**
     * The clones check for replacing {@code old} by {@code newName}, or empty when the function has no clone.
     * {@code replacedToo}: entries of the functions replaced in the same write or already, which cover a clone.
     */
    Optional<Check> check(FunctionRef old, String newName, boolean ignored, Supplier<Set<Long>> replacedToo) {
        LoadedModule m = old.module();
        Optional<CloneName> self = CloneName.parse(old.symbol().plainName());
        if (self.isPresent()) {
            List<Symbol> family = family(m, self.get().source(), old.symbol());
            return Optional.of(CloneCheck.forClone(self.get(), callsTo(m, old.symbol(), family)));
        }
        List<Symbol> family = family(m, old.symbol().plainName(), old.symbol());
        if (family.size() == 1) {
            return Optional.empty();
        }
        List<CloneCheck.Clone> clones = new ArrayList<>();
        for (Symbol s : family.subList(1, family.size())) {
            boolean cold = CloneName.parse(s.plainName()).map(CloneName::cold).orElse(false);
            long address = m.runtimeAddress(s);
            int calls = cold ? 0 : callsTo(m, s, family);
            clones.add(new CloneCheck.Clone(s.plainName(), address, calls, cold, calls > 0 && replacedToo.get().contains(address)));
        }
        return Optional.of(CloneCheck.forFunction(old.displayName(), callsTo(m, old.symbol(), family), clones, newName, ignored));
    }

    /** The function (first) and every symbol of its module named as its clone or cold part, one per address. */
    private static List<Symbol> family(LoadedModule m, String source, Symbol function) {
        Map<Long, Symbol> byAddress = new LinkedHashMap<>();
        byAddress.put(function.value(), function);
        m.symbols().stream()
                .filter(s -> CloneName.isCloneOf(s.plainName(), source))
                .sorted((a, b) -> a.plainName().compareTo(b.plainName()))
                .forEach(s -> byAddress.putIfAbsent(s.value(), s));
        if (!source.equals(function.plainName())) { // a clone replaced: its source belongs to the family too
            m.named(source).forEach(s -> byAddress.putIfAbsent(s.value(), s));
        }
        return List.copyOf(byAddress.values());
    }

    /** Direct branches in the module onto the symbol's entry, leaving out those from the family itself. */
    private int callsTo(LoadedModule m, Symbol target, List<Symbol> family) {
        BranchIndex index = branchIndexes.get(SiteSurvey.identity(m), m.image());
        int n = 0;
        for (BranchIndex.Edge e : index.into(target.value(), target.value() + 1)) {
            if (family.stream().noneMatch(s -> s.contains(e.source()))) {
                n++;
            }
        }
        return n;
    }
}
