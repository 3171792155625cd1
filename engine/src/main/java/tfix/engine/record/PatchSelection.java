package tfix.engine.record;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import tfix.engine.elf.FunctionRef;
import tfix.engine.elf.ProcessSymbols;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/** Which patches in force a revert names: one function, one transaction, or all, in the order to undo them. */
public final class PatchSelection {
    private PatchSelection() {
    }

    /**
     * The sites of one function's replace, by the name it was recorded under, or by any name or address of
     * the function: its jump, or every caller of a function patched through its callers (newest first).
     */
    public static List<AppliedPatch> byFunction(List<AppliedPatch> active, String function, ProcessSymbols symbols, int pid) {
        List<AppliedPatch> named = active.stream().filter(p -> p.function().equals(function)).toList();
        List<String> functions = named.stream().map(p -> String.format("%s at %#x in %s", p.function(), p.entry(),
                p.module())).distinct().toList();
        if (functions.size() > 1) {
            throw new TfixException(Reason.AMBIGUOUS, "'" + function + "' names " + functions.size() + " patched functions: "
                    + String.join("; ", functions) + "; revert one by its address");
        }
        Optional<AppliedPatch> match = named.stream().findFirst();
        if (match.isEmpty()) {
            Set<String> patches = active.stream().map(AppliedPatch::patchFile).collect(Collectors.toSet());
            FunctionRef f = symbols.resolve(function, null, patches);
            match = active.stream().filter(p -> p.entry() == f.address()).findFirst();
        }
        long entry = match.orElseThrow(() -> new TfixException(Reason.NOT_FOUND, "'" + function
                + "' is not replaced in process " + pid + ": `status` lists the patches in force")).entry();
        return newestFirst(active.stream().filter(p -> p.entry() == entry).toList());
    }

    /** Every patch of one transaction, newest first. */
    public static List<AppliedPatch> byTransaction(List<AppliedPatch> active, int transaction) {
        List<AppliedPatch> tx = active.stream().filter(p -> p.transaction() == transaction).toList();
        if (tx.isEmpty()) {
            throw new TfixException(Reason.NOT_FOUND, "no patch of transaction " + transaction
                    + " is in force: `status` lists them");
        }
        return newestFirst(tx);
    }

    public static List<AppliedPatch> newestFirst(List<AppliedPatch> active) {
        List<AppliedPatch> out = new ArrayList<>(active);
        Collections.reverse(out);
        return out;
    }
}
