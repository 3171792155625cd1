package tfix.patchgen;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which hunks of the diff a function's code comes from: the source lines gcc gives for its instructions (its
 * .loc directives, inlined code included) against the lines the diff adds or removes. A function that changed
 * with no such line changed because of something it depends on (a struct, a macro, a type): not a function swap.
 */
final class DiffLines {
    private final UnifiedDiff diff;
    private final int strip;
    private final Path newRoot;

    DiffLines(UnifiedDiff diff, int strip, Path newRoot) {
        this.diff = diff;
        this.strip = strip;
        this.newRoot = newRoot;
    }

    /** The hunks behind a function's code, as "file hunk #N", with the hunk. */
    record Cause(String file, UnifiedDiff.Hunk hunk) {
    }

    List<Cause> causes(FileChange fc, String function) {
        Set<Cause> out = new LinkedHashSet<>();
        for (AsmFile.Section s : fc.fresh().functions.get(function)) {
            for (AsmFile.SourceLine l : fc.fresh().asm.lines(s)) {
                String rel = relative(fc.cwdNew(), l.file());
                for (UnifiedDiff.FileDiff f : diff.files()) {
                    if (!f.path(strip).equals(rel)) {
                        continue;
                    }
                    for (UnifiedDiff.Hunk h : f.hunks()) {
                        if (h.touched().contains(l.line())) {
                            out.add(new Cause(rel, h));
                        }
                    }
                }
            }
        }
        List<Cause> sorted = new ArrayList<>(out);
        sorted.sort((a, b) -> a.file().equals(b.file()) ? Integer.compare(a.hunk().number(), b.hunk().number())
                : a.file().compareTo(b.file()));
        return sorted;
    }

    /** A file name from the assembler, relative to the patched tree (or as it is when outside it). */
    String relative(Path cwd, String file) {
        Path p = cwd.resolve(file).normalize();
        return p.startsWith(newRoot) ? newRoot.relativize(p).toString() : p.toString();
    }

    /** Whether the diff changes any file that is not one of these compiled sources (a header, say). */
    boolean touchesOtherThan(Set<String> sources) {
        return diff.files().stream().anyMatch(f -> !sources.contains(f.path(strip)));
    }

    List<String> paths() {
        return diff.files().stream().map(f -> f.path(strip)).toList();
    }
}
