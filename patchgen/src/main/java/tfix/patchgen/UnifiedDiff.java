package tfix.patchgen;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/**
 * A unified diff as git diff, git format-patch and diff -u write it: per file, its hunks. Only what tfix build needs:
 * which lines of each new file the diff adds or changes, to tell a function the diff edits from one that changed
 * for another reason (a struct, a macro, an inline function).
 */
public record UnifiedDiff(List<FileDiff> files) {
    private static final Pattern HUNK = Pattern.compile("^@@ -(\\d+)(?:,(\\d+))? \\+(\\d+)(?:,(\\d+))? @@(.*)$");

    /** One file's changes; paths as the diff writes them (with any a/ b/ prefix). */
    public record FileDiff(String oldPath, String newPath, List<Hunk> hunks) {
        /** The path with {@code strip} leading components removed, as patch -pN reads it. */
        public String path(int strip) {
            String p = newPath.equals("/dev/null") ? oldPath : newPath;
            String[] parts = p.split("/");
            StringBuilder out = new StringBuilder();
            for (int i = Math.min(strip, parts.length - 1); i < parts.length; i++) {
                out.append(out.length() == 0 ? "" : "/").append(parts[i]);
            }
            return out.toString();
        }

        /** Where a line of the old file is in the new one, if it lies outside every hunk (else -1). */
        public int newLine(int oldLine) {
            int shift = 0;
            for (Hunk h : hunks) {
                if (oldLine >= h.oldStart() + h.oldCount()) {
                    shift = h.newStart() + h.newCount() - h.oldStart() - h.oldCount();
                } else if (oldLine >= h.oldStart()) {
                    return -1;
                }
            }
            return oldLine + shift;
        }

        /** Lines of the new file the diff adds, plus the lines either side of each removal. */
        public TreeSet<Integer> touchedLines() {
            TreeSet<Integer> out = new TreeSet<>();
            hunks.forEach(h -> out.addAll(h.touched()));
            return out;
        }
    }

    /** A hunk: its header and body lines (each with its ' ', '+' or '-' mark). */
    public record Hunk(int number, int oldStart, int newStart, String header, List<String> body) {
        List<Integer> touched() {
            List<Integer> out = new ArrayList<>();
            int line = newStart;
            for (String b : body) {
                char mark = b.isEmpty() ? ' ' : b.charAt(0);
                if (mark == '+') {
                    out.add(line++);
                } else if (mark == '-') {
                    out.add(line - 1);
                    out.add(line);
                } else if (mark != '\\') {
                    line++;
                }
            }
            return out;
        }

        /** Lines of the old file it spans. */
        int oldCount() {
            return (int) body.stream().filter(b -> !b.startsWith("+") && !b.startsWith("\\")).count();
        }

        /** Lines of the new file it spans. */
        int newCount() {
            return (int) body.stream().filter(b -> !b.startsWith("-") && !b.startsWith("\\")).count();
        }

        /** The diff lines that add or remove, for --explain. */
        public List<String> edits() {
            return body.stream().filter(b -> b.startsWith("+") || b.startsWith("-")).toList();
        }
    }

    public static UnifiedDiff parse(String text) {
        List<FileDiff> files = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        String oldPath = null;
        for (int i = 0; i < lines.length; i++) {
            String l = lines[i];
            if (l.startsWith("--- ") && i + 1 < lines.length && lines[i + 1].startsWith("+++ ")) {
                oldPath = pathOf(l);
                String newPath = pathOf(lines[i + 1]);
                files.add(new FileDiff(oldPath, newPath, new ArrayList<>()));
                i++;
                continue;
            }
            Matcher m = HUNK.matcher(l);
            if (m.matches() && !files.isEmpty()) {
                FileDiff f = files.get(files.size() - 1);
                int oldCount = m.group(2) == null ? 1 : Integer.parseInt(m.group(2));
                int newCount = m.group(4) == null ? 1 : Integer.parseInt(m.group(4));
                List<String> body = new ArrayList<>();
                int o = 0;
                int n = 0;
                while (i + 1 < lines.length && (o < oldCount || n < newCount || lines[i + 1].startsWith("\\"))) {
                    String b = lines[++i];
                    char mark = b.isEmpty() ? ' ' : b.charAt(0);
                    if (mark == '-') {
                        o++;
                    } else if (mark == '+') {
                        n++;
                    } else if (mark != '\\') {
                        o++;
                        n++;
                    }
                    body.add(b);
                }
                f.hunks().add(new Hunk(f.hunks().size() + 1, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(3)),
                        l, List.copyOf(body)));
            }
        }
        if (files.isEmpty() || files.stream().allMatch(f -> f.hunks().isEmpty())) {
            throw new TfixException(Reason.BAD_INPUT, "the diff holds no unified-diff hunk (no '--- a/file', '+++ b/file'"
                    + " and '@@ -N,M +N,M @@' lines): give a diff as git diff or diff -u writes it");
        }
        return new UnifiedDiff(List.copyOf(files));
    }

    /** "--- a/src/x.c\t2024-01-01 ..." is "a/src/x.c": diff -u appends a tab and a time. */
    private static String pathOf(String line) {
        String p = line.substring(4);
        int tab = p.indexOf('\t');
        return (tab >= 0 ? p.substring(0, tab) : p).trim();
    }
}
