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
     * The patch of one function, by the name it was recorded under, or by any name or address of the function.
     * A name names every patch recorded under it, a function's jump and each module's import of it alike; when
     * it names several, none is picked: the error spells each one ('0x...' for a jump, 'libgreet.so!strtol' for
     * the import of libgreet.so). An address or another name of the function names its jump only.
     */
    public static AppliedPatch byFunction(List<AppliedPatch> active, String function, ProcessSymbols symbols, int pid) {
        List<AppliedPatch> named = active.stream().filter(p -> p.function().equals(function)).toList();
        if (named.isEmpty()) {
            named = importsNamed(active, function, symbols);
        }
        if (named.size() > 1) {
            throw new TfixException(Reason.AMBIGUOUS, "'" + function + "' names " + named.size() + " patches: "
                    + named.stream().map(PatchSelection::spelled).collect(Collectors.joining("; ")) + "; revert one of them");
        }
        Optional<AppliedPatch> match = named.stream().findFirst();
        if (match.isEmpty()) {
            Set<String> patches = active.stream().map(AppliedPatch::patchFile).collect(Collectors.toSet());
            FunctionRef f = symbols.resolve(function, null, patches);
            match = active.stream().filter(p -> p.kind() != SiteKind.IMPORT && p.entry() == f.address()).findFirst();
        }
        return match.orElseThrow(() -> new TfixException(Reason.NOT_FOUND, "'" + function
                + "' is not replaced in process " + pid + ": `status` lists the patches in force"));
    }

    /** {@code 'libgreet.so!strtol'}: the import patches of strtol in the module(s) that library name matches. */
    private static List<AppliedPatch> importsNamed(List<AppliedPatch> active, String query, ProcessSymbols symbols) {
        int bang = query.indexOf('!');
        if (bang <= 0) {
            return List.of();
        }
        String lib = query.substring(0, bang);
        String name = query.substring(bang + 1);
        return active.stream().filter(p -> p.kind() == SiteKind.IMPORT && p.function().equals(name)
                && symbols.moduleByPath(p.module()).map(m -> m.matchesLibrary(lib)).orElse(p.module().equals(lib))).toList();
    }

    private static String spelled(AppliedPatch p) {
        return p.kind() == SiteKind.IMPORT
                ? String.format("the import of %s: revert '%s!%s'", p.module().substring(p.module().lastIndexOf('/') + 1),
                p.module().substring(p.module().lastIndexOf('/') + 1), p.function())
                : String.format("%s at %#x in %s: revert '%#x'", p.function(), p.entry(), p.module(), p.entry());
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
