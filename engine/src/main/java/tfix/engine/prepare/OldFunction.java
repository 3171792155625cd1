package tfix.engine.prepare;

import java.util.Collection;
import java.util.Optional;

import tfix.engine.elf.FunctionRef;
import tfix.engine.elf.ProcessSymbols;
import tfix.engine.elf.Symbol;
import tfix.engine.elf.UndescribedCode;
import tfix.engine.patch.Check;
import tfix.engine.patch.ReplaceSpec;
import tfix.engine.patch.SitePlan;
import tfix.engine.process.ProcMemory;

/**
 * The function a replace changes, as the process runs it: named, or for an IFUNC the implementation the
 * process bound ({@link IfuncBinding}), or code named by address with the user's {@code length:}. {@code note}
 * says in the plan which one it is when that is not plain from the name.
 */
record OldFunction(FunctionRef function, Optional<Check> note) {

    static OldFunction resolve(ProcessSymbols symbols, ProcMemory memory, ReplaceSpec spec, Collection<String> excluded) {
        if (spec.length() != 0) {
            FunctionRef f = UndescribedCode.at(symbols, spec.oldName(), spec.library(), spec.length());
            return new OldFunction(f, Optional.of(Check.pass("length", String.format("%s: %d bytes, as length: says%s",
                    f.displayName(), spec.length(), f.symbol().table().equals("length:") ? " (no symbol describes it)" : ""))));
        }
        FunctionRef f = symbols.lookup(spec.oldName(), spec.library(), excluded);
        return f.symbol().type() == Symbol.STT_GNU_IFUNC ? IfuncBinding.bound(f, symbols, memory) : new OldFunction(f, Optional.empty());
    }

    /** The plan with this note among its checks. */
    SitePlan noted(SitePlan plan) {
        return note.map(plan::withCheck).orElse(plan);
    }
}
