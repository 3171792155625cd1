package tfix.engine.prepare;

import tfix.engine.elf.FunctionRef;
import tfix.engine.elf.LoadedModule;
import tfix.engine.elf.ProcessSymbols;
import tfix.engine.elf.Symbol;
import tfix.engine.elf.SymbolDefinitions.Definition;
import tfix.engine.failure.Printable;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.process.ProcMemory;

/**
 * A patch's weak reference to an IFUNC of the program binds to the implementation this process runs, as the
 * program's own callers do: the IFUNC's symbol is its resolver, which tfix does not run. The choice is read
 * from the callers' GOT slots ({@link IfuncBinding}); none bound yet, or two different, refuses the reference.
 */
final class IfuncReferences {
    private final ProcessSymbols symbols;
    private final ProcMemory memory;

    IfuncReferences(ProcessSymbols symbols, ProcMemory memory) {
        this.symbols = symbols;
        this.memory = memory;
    }

    /** The address of the implementation {@code d} (an IFUNC of {@code m}) resolved to in this process. */
    long implementation(LoadedModule m, Definition d) {
        Symbol s = m.named(d.name()).stream().filter(x -> x.type() == Symbol.STT_GNU_IFUNC && x.value() == d.value())
                .findFirst().orElseThrow(() -> new TfixException(Reason.NOT_FOUND, "the patch's reference '"
                        + Printable.of(d.name()) + "' is an IFUNC of " + Printable.of(m.path()) + " that its function symbols"
                        + " do not list: declare the implementation the process uses instead"));
        return IfuncBinding.bound(new FunctionRef(m, s, m.runtimeAddress(s), symbols.displayName(s)), symbols, memory)
                .function().address();
    }
}
