package tfix.engine.inspect;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import tfix.engine.elf.LoadedModule;
import tfix.engine.elf.ProcessSymbols;
import tfix.engine.elf.SymbolDefinitions;
import tfix.engine.elf.SymbolDefinitions.Definition;

/**
 * "name+0x12" for any address of a mapped file: functions and data (variables, statics), from every defined
 * symbol of the module, built per module on first use.
 */
final class AddressNames {
    /** A symbol covering an address: its display name, module and the offset into it. */
    record Named(String name, LoadedModule module, long offset) {
        String withOffset() {
            return String.format("%s+%#x", name, offset);
        }

        /** "name" at the start, "name+0x12" inside. */
        String compact() {
            return offset == 0 ? name : withOffset();
        }
    }

    private final ProcessSymbols symbols;
    private final Map<LoadedModule, List<Definition>> sorted = new HashMap<>();

    AddressNames(ProcessSymbols symbols) {
        this.symbols = symbols;
    }

    Optional<Named> at(long address) {
        Optional<LoadedModule> m = symbols.moduleAt(address);
        if (m.isEmpty()) {
            return Optional.empty();
        }
        List<Definition> defs = sorted.computeIfAbsent(m.get(), AddressNames::byAddress);
        long link = address - m.get().bias();
        int lo = 0, hi = defs.size() - 1, found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (defs.get(mid).value() <= link) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        // Sized symbols cover their bytes; look back a little for one that started earlier and is larger.
        for (int i = found; i >= 0 && i > found - 16; i--) {
            Definition d = defs.get(i);
            if (link >= d.value() && link < d.value() + Math.max(1, d.size())) {
                String name = symbols.demangler().demangle(d.name()).orElse(d.name());
                return Optional.of(new Named(name, m.get(), link - d.value()));
            }
        }
        return Optional.empty();
    }

    /** "inner+0x8 (prog)", or the address with its module when no symbol covers it. */
    String describe(long address) {
        return at(address).map(n -> n.withOffset() + " (" + n.module().fileName() + ")")
                .orElseGet(() -> symbols.moduleAt(address).map(m -> String.format("%#x (%s)", address, m.fileName()))
                        .orElse(String.format("%#x", address)));
    }

    /** {@link #describe} for a frame: named by its calling instruction, with the offset of the address itself. */
    String describe(Frame f) {
        if (f.caller() == f.pc()) {
            return describe(f.pc());
        }
        return at(f.caller()).map(n -> new Named(n.name(), n.module(), n.offset() + 1))
                .map(n -> n.withOffset() + " (" + n.module().fileName() + ")").orElseGet(() -> describe(f.pc()));
    }

    /** By address; among symbols at one address the preferred last (the lookup walks back): functions, globals. */
    private static List<Definition> byAddress(LoadedModule m) {
        List<Definition> l = new ArrayList<>();
        for (Definition d : m.definitions().all()) {
            if (d.type() != SymbolDefinitions.STT_TLS) {
                l.add(d);
            }
        }
        l.sort(Comparator.comparingLong(Definition::value)
                .thenComparing(d -> d.type() == SymbolDefinitions.STT_FUNC)
                .thenComparing(d -> !d.local())
                .thenComparing(Definition::name));
        return l;
    }
}
