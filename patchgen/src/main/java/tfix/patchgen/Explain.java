package tfix.patchgen;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The --explain text of one file: per function, the diff lines that changed it and what its new code uses. */
final class Explain {
    private static final int MAX_EDITS = 12;

    static List<String> of(Changes.FilePlan plan, Map<String, String> renames, List<String> carried, PatchAssembly pa) {
        List<String> out = new ArrayList<>();
        String file = plan.change().source();
        for (Map.Entry<String, Set<String>> e : pa.uses.entrySet()) {
            String f = e.getKey();
            String what = renames.containsKey(f) ? "replaced by " + renames.get(f)
                    : plan.change().diff().added().contains(f) ? "new: carried by the patch"
                    : plan.carried().contains(f) ? "changed, and only inlined in the binary: carried by the patch"
                    : "unchanged, but the binary has it only inlined: the patch carries a copy";
            out.add(f + " (" + file + "): " + what);
            for (DiffLines.Cause c : plan.causes().getOrDefault(f, List.of())) {
                out.add("  because of " + c.file() + " hunk #" + c.hunk().number() + " " + c.hunk().header().trim());
                List<String> edits = c.hunk().edits();
                edits.subList(0, Math.min(MAX_EDITS, edits.size())).forEach(l -> out.add("    " + l));
                if (edits.size() > MAX_EDITS) {
                    out.add("    ... (" + (edits.size() - MAX_EDITS) + " more lines)");
                }
            }
            List<String> uses = new ArrayList<>();
            for (String u : e.getValue()) {
                PatchAssembly.Reference r = pa.references.get(u);
                uses.add(u + (r == null ? "" : r.weak() ? (r.fileStatic() ? " (static of " + plan.change().baseName()
                        + ", bound by tfix)" : " (the program's, bound by tfix)") : " (bound by the loader)"));
            }
            out.add("  uses: " + (uses.isEmpty() ? "nothing outside the patch" : String.join(", ", uses)));
        }
        plan.linesMoved().forEach(f -> out.add(f + ": left as it is (only __LINE__ numbers the diff moved differ)"));
        return out;
    }
}
