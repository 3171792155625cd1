package tfix.engine.prepare;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import tfix.engine.elf.FunctionRef;
import tfix.engine.elf.IrelativeSlots;
import tfix.engine.elf.LoadedModule;
import tfix.engine.elf.ProcessSymbols;
import tfix.engine.elf.Symbol;
import tfix.engine.elf.SymbolRelocations;
import tfix.engine.failure.Printable;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.patch.Check;
import tfix.engine.process.ProcMemory;

/**
 * The implementation an IFUNC resolved to in this process. The IFUNC's own address is its resolver's, which
 * runs once at binding: what callers run is what the loader wrote into their GOT slots (JUMP_SLOT, GLOB_DAT), and
 * into the defining module's own IRELATIVE slots.
 * Those slots are read from the target's memory; every slot that points into the defining module must agree,
 * and the implementation is named from the module's symbols (its debug file's included).
 */
final class IfuncBinding {
    private IfuncBinding() {
    }

    static OldFunction bound(FunctionRef ifunc, ProcessSymbols symbols, ProcMemory memory) {
        LoadedModule home = ifunc.module();
        Set<String> names = new TreeSet<>(); // "sin" is imported by that name; a debug file may add "__sin" at the same place
        home.symbols().stream().filter(s -> s.value() == ifunc.symbol().value() && s.type() == Symbol.STT_GNU_IFUNC)
                .forEach(s -> names.add(s.plainName()));
        names.add(ifunc.symbol().plainName());
        Map<Long, List<String>> bound = new LinkedHashMap<>();
        List<String> unbound = new ArrayList<>();
        for (LoadedModule m : symbols.modules()) {
            if (m == home) {
                continue;
            }
            for (String name : names) {
                for (SymbolRelocations.Relocation r : relocations(m, name)) {
                    if (r.type() != SymbolRelocations.R_X86_64_JUMP_SLOT && r.type() != SymbolRelocations.R_X86_64_GLOB_DAT) {
                        continue;
                    }
                    long slot = m.bias() + r.offset();
                    long value = memory.readLong(slot);
                    String who = String.format("%s at %#x", m.fileName(), slot);
                    if (home.contains(value) && value != ifunc.address()) {
                        bound.computeIfAbsent(value, v -> new ArrayList<>()).add(who);
                    } else if (value == 0 || m.contains(value) || value == ifunc.address()) {
                        unbound.add(who); // lazy binding: the slot still leads to the caller's PLT
                    } // elsewhere: bound to another definition (an interposer, a patch), not this IFUNC's choice
                }
            }
        }
        for (long offset : IrelativeSlots.of(home.image(), ifunc.symbol().value())) { // the module's own calls, bound at load
            long slot = home.bias() + offset;
            long value = memory.readLong(slot);
            if (home.contains(value) && value != ifunc.address()) {
                bound.computeIfAbsent(value, v -> new ArrayList<>()).add(String.format("%s IRELATIVE at %#x", home.fileName(), slot));
            }
        }
        String what = "'" + Printable.of(ifunc.displayName()) + "' is an IFUNC (a resolver that picks an implementation when a caller binds it)";
        if (bound.size() > 1) {
            throw new TfixException(Reason.UNSAFE_SITE, what + " and its callers bound different implementations: "
                    + bound.entrySet().stream().map(e -> symbols.describe(e.getKey()) + " in " + String.join(", ", e.getValue()))
                    .collect(Collectors.joining("; ")) + "; replace each implementation by name or address");
        }
        if (bound.isEmpty()) {
            throw new TfixException(Reason.UNSAFE_SITE, what + (unbound.isEmpty() ? ", and no module imports it"
                    : ", and no caller has bound it yet (lazy binding happens at its first call; unbound GOT slots: "
                            + String.join(", ", unbound) + ")")
                    + ": tfix cannot tell which implementation the process will run; run the program until it calls it,"
                    + " or replace an implementation by name (`symbols` lists them)");
        }
        long address = bound.keySet().iterator().next();
        String where = String.format("%s+%#x", home.fileName(), address - home.bias());
        Optional<Symbol> impl = home.symbolAt(address).filter(s -> home.runtimeAddress(s) == address && s.size() > 0);
        if (impl.isEmpty()) {
            throw new TfixException(Reason.NOT_FOUND, what + String.format(" and the process bound %s (%#x), which no symbol"
                    + " describes: install the module's debug symbols, or replace '%#x', length: N", where, address, address));
        }
        FunctionRef f = new FunctionRef(home, impl.get(), address, symbols.displayName(impl.get()));
        List<String> callers = bound.get(address);
        return new OldFunction(f, Optional.of(Check.pass("ifunc", String.format("%s is an IFUNC; the process bound %s (%s): replacing that;"
                + " the GOT slot%s that say%s so: %s%s", Printable.of(ifunc.displayName()), Printable.of(f.displayName()), where,
                callers.size() == 1 ? "" : "s", callers.size() == 1 ? "s" : "", String.join(", ", callers), unbound.isEmpty() ? ""
                : "; not bound yet (lazy binding; the same resolver will pick for them): " + String.join(", ", unbound)))));
    }

    /** A module whose relocations cannot be read tells nothing about the binding: it is passed over. */
    private static List<SymbolRelocations.Relocation> relocations(LoadedModule m, String name) {
        try {
            return m.image().relocationsAgainst(name);
        } catch (TfixException e) {
            return List.of();
        }
    }
}
