package tfix.engine.prepare;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import tfix.engine.elf.LoadedModule;
import tfix.engine.elf.ProcessSymbols;
import tfix.engine.elf.Symbol;
import tfix.engine.elf.SymbolRelocations;
import tfix.engine.elf.SymbolRelocations.Relocation;
import tfix.engine.failure.Printable;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.patch.Check;
import tfix.engine.patch.ImportSlot;
import tfix.engine.process.MemoryMap;
import tfix.engine.process.ProcMemory;
import tfix.engine.record.AppliedPatch;
import tfix.engine.record.SiteKind;

/**
 * Where one module imports a function, and what each of those slots holds now. The slots come from the
 * module's ELF file (its dynamic relocations naming the function); their contents come from the target and
 * are checked: the resolved function, the module's own lazy-binding stub, or an earlier import patch's new
 * function. Anything else is someone else's change, refused naming the value.
 */
final class ImportSurvey {
    /** One slot as found: the relocation, its address, its value, what that value is, and an earlier patch of it. */
    record Found(Relocation relocation, long slot, long value, String meaning, Check check, AppliedPatch earlier) {
    }

    private final ProcessSymbols symbols;
    private final ProcMemory memory;

    ImportSurvey(ProcessSymbols symbols, ProcMemory memory) {
        this.symbols = symbols;
        this.memory = memory;
    }

    /** The one module {@code importer} names, matched as lib: matches a library; none or several is refused. */
    LoadedModule importer(String importer, String symbol) {
        List<LoadedModule> matches = symbols.modules().stream().filter(m -> m.matchesLibrary(importer)).toList();
        if (matches.isEmpty()) {
            throw new TfixException(Reason.NOT_FOUND, "in: '" + Printable.of(importer) + "' names no module of the process"
                    + " (loaded: " + symbols.modules().stream().map(LoadedModule::fileName).map(Printable::of).distinct()
                    .collect(Collectors.joining(", ")) + "); name the module that imports " + Printable.of(symbol));
        }
        if (matches.size() > 1) {
            throw new TfixException(Reason.AMBIGUOUS, "in: '" + Printable.of(importer) + "' names " + matches.size()
                    + " modules: " + matches.stream().map(m -> Printable.of(m.path())).collect(Collectors.joining(", "))
                    + "; give the full path of one");
        }
        return matches.get(0);
    }

    /** Every slot through which {@code module} reaches {@code symbol}; refuses a module that does not import it. */
    List<Found> slots(LoadedModule module, String symbol, List<AppliedPatch> inForce) {
        List<Relocation> relocations = module.image().relocationsAgainst(symbol);
        if (relocations.isEmpty()) {
            throw new TfixException(Reason.NOT_FOUND, Printable.of(module.fileName()) + " does not import "
                    + Printable.of(symbol) + ": it calls it directly or not at all; replace '" + Printable.of(symbol)
                    + "' without in: to replace the function itself");
        }
        List<Found> out = new ArrayList<>();
        for (Relocation r : relocations) {
            boolean pointer = r.type() == SymbolRelocations.R_X86_64_64;
            if (r.type() != SymbolRelocations.R_X86_64_JUMP_SLOT && r.type() != SymbolRelocations.R_X86_64_GLOB_DAT
                    && !(pointer && r.addend() == 0)) {
                throw new TfixException(Reason.UNSAFE_SITE, String.format("%s refers to %s through a %s%s at %#x, which"
                        + " tfix does not rewrite (only the import table's slots and plain pointers); nothing was changed;"
                        + " replace '%s' without in: to replace the function itself", Printable.of(module.fileName()),
                        Printable.of(symbol), r.typeName(), r.addend() == 0 ? "" : " with addend " + r.addend(),
                        module.bias() + r.offset(), Printable.of(symbol)));
            }
            out.add(found(module, symbol, r, inForce));
        }
        return out;
    }

    private Found found(LoadedModule module, String symbol, Relocation r, List<AppliedPatch> inForce) {
        long slot = module.bias() + r.offset();
        // The file says where the slot is; the target says whether that is really the module's data.
        Optional<MemoryMap> map = module.mappings().stream().filter(m -> m.contains(slot) && m.contains(slot + 7)).findFirst();
        if (map.isEmpty() || map.get().executable()) {
            throw new TfixException(Reason.UNSAFE_SITE, String.format("the %s of %s for %s at %#x is not in its data"
                    + " mappings (a damaged or mismatched file); nothing was changed", r.typeName(),
                    Printable.of(module.fileName()), Printable.of(symbol), slot));
        }
        long value = memory.readLong(slot);
        AppliedPatch earlier = inForce.stream().filter(p -> p.kind() == SiteKind.IMPORT && p.site() == slot).findFirst()
                .orElse(null);
        String meaning = earlier != null && value == earlier.target()
                ? String.format("%s from %s, patch #%d", Printable.of(earlier.targetName()),
                Printable.of(earlier.patchLibraryName()), earlier.id())
                : earlier != null ? null : meaning(module, symbol, r, value);
        String where = String.format("%s %s %#x (%s)", Printable.of(module.fileName()), r.typeName(), slot,
                r.type() == SymbolRelocations.R_X86_64_64 ? "a pointer in its data" : "its import table");
        Check check = meaning != null ? Check.pass("slot", where + " holds " + meaning)
                : Check.fail("slot", String.format("%s holds %#x (%s), neither %s, the module's lazy-binding stub nor an"
                + " earlier patch's function: someone else changed it; refusing to overwrite it", where, value,
                Printable.of(symbols.describe(value)), Printable.of(symbol)));
        return new Found(r, slot, value, meaning == null ? Printable.of(symbols.describe(value)) : meaning, check, earlier);
    }

    /** What a slot's value is, when it is one of the values the loader puts there; null otherwise. */
    private String meaning(LoadedModule module, String symbol, Relocation r, long value) {
        for (LoadedModule m : symbols.modules()) {
            for (Symbol s : m.named(symbol)) {
                if (s.isLocal()) {
                    continue;
                }
                if (s.isFunction() && m.runtimeAddress(s) == value) {
                    return Printable.of(symbol) + " in " + Printable.of(m.fileName());
                }
                // An ifunc's slot holds whichever implementation its resolver picked, somewhere in its module's code.
                if (s.type() == Symbol.STT_GNU_IFUNC && inCode(m, value)) {
                    return "the implementation of " + Printable.of(symbol) + " (an ifunc) chosen in " + Printable.of(m.fileName());
                }
            }
        }
        // Lazy binding: the loader only added the bias to what the file holds, the module's own PLT stub.
        if (r.type() == SymbolRelocations.R_X86_64_JUMP_SLOT && inCode(module, value)) {
            long fileValue = ImportSlot.value(module.image().bytesAt(r.offset(), 8));
            if (value == module.bias() + fileValue) {
                return "the lazy-binding PLT stub of " + Printable.of(module.fileName());
            }
        }
        return null;
    }

    private static boolean inCode(LoadedModule m, long address) {
        return m.mappings().stream().anyMatch(x -> x.executable() && x.contains(address));
    }
}
