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

    /**
     * Whether two versions of a function differ only in numbers that are line numbers the diff moved (__LINE__ in an
     * assert or a log call below a hunk): the old code then only reports the old line, and needs no patch.
     */
    boolean onlyLinesMoved(String oldText, String newText) {
        String[] a = oldText.split("\n");
        String[] b = newText.split("\n");
        if (a.length != b.length) {
            return false;
        }
        java.util.regex.Pattern number = java.util.regex.Pattern.compile("(?<![\\w.])\\d+(?![\\w.])");
        boolean moved = false;
        for (int i = 0; i < a.length; i++) {
            if (a[i].equals(b[i])) {
                continue;
            }
            if (!number.matcher(a[i]).replaceAll("#").equals(number.matcher(b[i]).replaceAll("#"))) {
                return false;
            }
            java.util.regex.Matcher x = number.matcher(a[i]);
            java.util.regex.Matcher y = number.matcher(b[i]);
            while (x.find() && y.find()) {
                int from = Integer.parseInt(x.group());
                int to = Integer.parseInt(y.group());
                if (from != to) {
                    if (diff.files().stream().noneMatch(f -> f.newLine(from) == to)) {
                        return false;
                    }
                    moved = true;
                }
            }
        }
        return moved;
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
