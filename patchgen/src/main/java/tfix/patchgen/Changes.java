package tfix.patchgen;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/**
 * What the patch will do, decided from the comparison, or a refusal naming what a function swap cannot do: a
 * changed initial value or size of a variable (the process keeps the old one), a function that changed though
 * no line of the diff is in it (a struct layout, macro or type it depends on changed), a global function the
 * binary does not contain.
 *
 * @param files per compiled file, the functions it contributes and why
 */
record Changes(List<FilePlan> files) {
    /**
     * One file's part of the patch.
     *
     * @param replaced changed functions the binary has: old name to the patch's name
     * @param carried  functions the patch defines under their own name: new ones, and changed statics the binary
     *                 only has inlined into its (also changed) callers
     * @param causes   per function, the hunks behind its change
     * @param linesMoved functions left as they are: only line numbers the diff moved (__LINE__) differ
     */
    record FilePlan(FileChange change, Map<String, String> replaced, List<String> carried, List<String> newData,
                    Map<String, List<DiffLines.Cause>> causes, List<String> linesMoved) {
    }

    /** {@code inlinedCallers}: the user allows replacing the functions a changed inline function of a header is inlined in. */
    static Changes of(List<FileChange> changes, DiffLines lines, Predicate<String> inBinary, boolean inlinedCallers) {
        List<FilePlan> plans = new ArrayList<>();
        List<String> refusals = new ArrayList<>();
        List<String> inlinedIn = new ArrayList<>();
        for (FileChange fc : changes) {
            FunctionDiff d = fc.diff();
            d.changedData().forEach(v -> refusals.add("the diff changes the size or initial value of the variable " + v
                    + " (" + fc.source() + "): a running process keeps the old one"));
            Map<String, String> replaced = new LinkedHashMap<>();
            List<String> carried = new ArrayList<>(d.added());
            Map<String, List<DiffLines.Cause>> causes = new LinkedHashMap<>();
            List<String> linesMoved = new ArrayList<>();
            d.added().forEach(f -> causes.put(f, lines.causes(fc, f)));
            for (String f : d.changed()) {
                List<DiffLines.Cause> why = lines.causes(fc, f);
                causes.put(f, why);
                if (why.isEmpty() && lines.onlyLinesMoved(fc.old().normalFunction(f), fc.fresh().normalFunction(f))) {
                    linesMoved.add(f + " (" + fc.source() + ")");
                } else if (why.isEmpty()) {
                    refusals.add(f + " (" + fc.source() + ") changed though no line of the diff is in it: the diff changes"
                            + " something it depends on (a struct layout, a macro, a type, a constant)");
                } else if (inBinary.test(f)) {
                    replaced.put(f, null);
                    if (why.stream().noneMatch(c -> sameFile(c.file(), fc.source()))) {
                        inlinedIn.add(f + " (" + fc.source() + ", inlines " + why.stream().map(DiffLines.Cause::file)
                                .distinct().collect(Collectors.joining(", ")) + ")");
                    }
                } else if (fc.fresh().asm.isLocal(f)) {
                    carried.add(f); // inlined everywhere in the binary: its callers changed too and carry it
                } else {
                    refusals.add(f + " (" + fc.source() + ") is not in the binary: the diff changes code --binary does"
                            + " not contain");
                }
            }
            if (!replaced.isEmpty() || !carried.isEmpty() || !d.addedData().isEmpty()) {
                plans.add(new FilePlan(fc, replaced, carried, d.addedData(), causes, List.copyOf(linesMoved)));
            }
        }
        if (!refusals.isEmpty()) {
            throw new TfixException(Reason.UNSUPPORTED, "a function swap cannot apply this diff: " + String.join("; ",
                    refusals) + ". Restart the program with the new build instead");
        }
        if (!inlinedIn.isEmpty() && !inlinedCallers) {
            throw new TfixException(Reason.UNSUPPORTED, "the diff changes an inline function whose copies are inlined in "
                    + inlinedIn.size() + " function" + (inlinedIn.size() == 1 ? "" : "s") + " of the binary: " + String.join(", ",
                    inlinedIn) + "; every one must be replaced, with all its own callers running the new copy: check that"
                    + " list, then build again with --inlined-callers to replace them");
        }
        if (plans.stream().allMatch(p -> p.replaced().isEmpty())) {
            throw new TfixException(Reason.BAD_INPUT, "the diff changes no function of the binary's code (only comments,"
                    + " blank lines, or code the compiler leaves out?): nothing to patch");
        }
        return new Changes(List.copyOf(plans));
    }

    /** Whether a .loc file name ("shop.h", "./pricing.c", "/src/pricing.c") is the compiled file {@code source}. */
    private static boolean sameFile(String file, String source) {
        return file.equals(source) || Path.of(file).getFileName().toString().equals(Path.of(source).getFileName().toString());
    }

    /** Every function the patch replaces. */
    List<String> replaced() {
        return files.stream().flatMap(f -> f.replaced().keySet().stream()).toList();
    }
}
