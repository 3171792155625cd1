package tfix.patchgen;

import java.util.ArrayList;
import java.util.List;

/**
 * One file's functions and variables before and after the diff, compared: the functions whose code (or a
 * constant they read) changed, the new ones, the removed ones, and the variables that changed or are new.
 *
 * @param changed     functions in both builds whose normalised code differs
 * @param added       functions only the patched build has
 * @param removed     functions only the unpatched build has
 * @param changedData variables in both builds whose size or initial value differs
 * @param addedData   variables only the patched build has
 */
record FunctionDiff(List<String> changed, List<String> added, List<String> removed, List<String> changedData,
                    List<String> addedData) {

    static FunctionDiff compare(AsmUnits old, AsmUnits fresh) {
        List<String> changed = new ArrayList<>();
        List<String> added = new ArrayList<>();
        for (String f : fresh.functions.keySet()) {
            if (!old.functions.containsKey(f)) {
                added.add(f);
            } else if (!old.normalFunction(f).equals(fresh.normalFunction(f))) {
                changed.add(f);
            }
        }
        List<String> removed = old.functions.keySet().stream().filter(f -> !fresh.functions.containsKey(f)).toList();
        List<String> changedData = new ArrayList<>();
        List<String> addedData = new ArrayList<>();
        for (String d : fresh.data.keySet()) {
            if (fresh.constant(d)) {
                continue; // compared through the functions that read it
            }
            if (!old.data.containsKey(d)) {
                addedData.add(d);
            } else if (!old.normalData(d).equals(fresh.normalData(d))) {
                changedData.add(d);
            }
        }
        return new FunctionDiff(List.copyOf(changed), List.copyOf(added), removed, List.copyOf(changedData),
                List.copyOf(addedData));
    }

    boolean empty() {
        return changed.isEmpty() && added.isEmpty() && changedData.isEmpty() && addedData.isEmpty();
    }
}
