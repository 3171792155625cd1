package tfix.engine.record;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
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
     * The sites of one function's replace, by the name it was recorded under, or by any name or address of the
     * function: its jump, or every caller of a function patched through its callers (newest first). A name names
     * every replace recorded under it, a function's jump and each module's import of it alike; when it names
     * several, none is picked: the error spells each one ('0x...' for a jump, 'libgreet.so!strtol' for the import
     * of libgreet.so). An address or another name of the function names its jump (or callers) only.
     */
    public static List<AppliedPatch> byFunction(List<AppliedPatch> active, String function, ProcessSymbols symbols, int pid) {
        List<AppliedPatch> named = active.stream().filter(p -> p.function().equals(function)).toList();
        if (named.isEmpty()) {
            named = importsNamed(active, function, symbols);
        }
        // One replace is one jump, one import slot, or all the callers of one function.
        List<AppliedPatch> units = named.stream().filter(distinctBy(PatchSelection::unit)).toList();
        if (units.size() > 1) {
            throw new TfixException(Reason.AMBIGUOUS, "'" + function + "' names " + units.size() + " patches: "
                    + units.stream().map(PatchSelection::spelled).collect(Collectors.joining("; ")) + "; revert one of them");
        }
        Optional<AppliedPatch> match = named.stream().findFirst();
        if (match.isEmpty()) {
            Set<String> patches = active.stream().map(AppliedPatch::patchFile).collect(Collectors.toSet());
            FunctionRef f = symbols.resolve(function, null, patches);
            match = active.stream().filter(p -> p.kind() != SiteKind.IMPORT && p.entry() == f.address()).findFirst();
        }
        AppliedPatch found = match.orElseThrow(() -> new TfixException(Reason.NOT_FOUND, "'" + function
                + "' is not replaced in process " + pid + ": `status` lists the patches in force"));
        String unit = unit(found);
        return newestFirst(active.stream().filter(p -> unit(p).equals(unit)).toList());
    }

    /** What one replace is known by: its import slot, or the entry of the function its jump or callers serve. */
    private static String unit(AppliedPatch p) {
        return p.kind() == SiteKind.IMPORT ? "import@" + Long.toHexString(p.site()) : "entry@" + Long.toHexString(p.entry());
    }

    private static <T> Predicate<T> distinctBy(Function<T, Object> key) {
        Set<Object> seen = new HashSet<>();
        return t -> seen.add(key.apply(t));
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
