package tfix.patchgen;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * gcc's assembler output for one file compiled with -ffunction-sections -fdata-sections, cut into its sections.
 * Reading the assembler rather than the object keeps every reference by its symbol's name (gas turns references
 * to file statics into section+offset), and lets the patch be re-assembled with references to the program made
 * through the GOT, which tfix binds (an object's instructions cannot grow to take a GOT load).
 */
final class AsmFile {
    private static final Pattern LABEL = Pattern.compile("^([A-Za-z_.$][\\w.$]*):\\s*(?:#.*)?$");
    private static final Pattern TYPE = Pattern.compile("^\\s*\\.type\\s+([^,\\s]+),\\s*@(\\w+)");
    private static final Pattern GLOBL = Pattern.compile("^\\s*\\.(?:globl|global|weak)\\s+(\\S+)");
    private static final Pattern LOC = Pattern.compile("^\\s*\\.loc\\s+(\\d+)\\s+(\\d+)");
    private static final Pattern FILE = Pattern.compile("^\\s*\\.file\\s+(\\d+)\\s+\"([^\"]*)\"(?:\\s+\"([^\"]*)\")?");
    private static final Pattern QUOTED = Pattern.compile("\"[^\"]*\"");

    /** A section: its name, the directive that opened it first (with its flags), its lines in order. */
    static final class Section {
        final String name;
        final String directive;
        final List<String> lines = new ArrayList<>();
        final List<String> labels = new ArrayList<>();
        final Set<String> locs = new HashSet<>();

        Section(String name, String directive) {
            this.name = name;
            this.directive = directive;
        }

        boolean code() {
            return name.startsWith(".text") || directive.matches(".*\"[^\"]*x[^\"]*\".*");
        }

        boolean debug() {
            return name.startsWith(".debug") || name.startsWith(".note") || name.equals(".comment");
        }

        /** Mergeable constants (strings, numbers) that only .L labels name: copied whole into a patch. */
        boolean pool() {
            return name.matches("\\.rodata(\\..*)?\\.(str\\d+\\.\\d+|cst\\d+)");
        }

        /** The symbols (not .L labels) it defines. */
        List<String> symbols() {
            return labels.stream().filter(l -> !l.startsWith(".L")).toList();
        }
    }

    final Map<String, Section> sections = new LinkedHashMap<>();
    final Map<String, String> types = new HashMap<>();
    final Set<String> globals = new HashSet<>();
    /** Where each label is defined. */
    final Map<String, Section> labelSection = new HashMap<>();
    final Map<Integer, String> files = new HashMap<>();

    static AsmFile parse(String text) {
        AsmFile f = new AsmFile();
        f.read(text);
        return f;
    }

    private void read(String text) {
        Section current = section(".text", "\t.text");
        Section previous = current;
        Deque<Section> stack = new ArrayDeque<>();
        for (String line : text.split("\n")) {
            String t = line.trim();
            String word = t.split("[\\s,]", 2)[0];
            Section next = switch (word) {
                case ".text", ".data", ".bss" -> section(word, "\t" + word);
                case ".section" -> section(sectionName(t), line);
                case ".pushsection" -> {
                    stack.push(current);
                    yield section(sectionName(t), line.replace(".pushsection", ".section"));
                }
                case ".popsection" -> stack.isEmpty() ? current : stack.pop();
                case ".previous" -> previous;
                default -> null;
            };
            if (next != null) {
                previous = current;
                current = next;
                continue;
            }
            Matcher m;
            if ((m = LABEL.matcher(t)).matches() && !line.startsWith("\t")) {
                current.labels.add(m.group(1));
                labelSection.put(m.group(1), current);
            } else if ((m = TYPE.matcher(t)).find()) {
                types.put(m.group(1), m.group(2));
            } else if ((m = GLOBL.matcher(t)).find()) {
                globals.add(m.group(1));
            } else if ((m = LOC.matcher(t)).find()) {
                current.locs.add(m.group(1) + ":" + m.group(2));
            } else if ((m = FILE.matcher(t)).find()) {
                String name = m.group(3) == null ? m.group(2) : m.group(3).startsWith("/") ? m.group(3)
                        : m.group(2) + "/" + m.group(3);
                files.putIfAbsent(Integer.parseInt(m.group(1)), name);
            }
            current.lines.add(line);
        }
    }

    private Section section(String name, String directive) {
        return sections.computeIfAbsent(name, n -> new Section(n, directive));
    }

    private static String sectionName(String directive) {
        String[] words = directive.split("\\s+", 2);
        String rest = words.length > 1 ? words[1].trim() : "";
        Matcher q = QUOTED.matcher(rest);
        if (rest.startsWith("\"") && q.find()) {
            return q.group().substring(1, q.group().length() - 1);
        }
        return rest.split("[,\\s]", 2)[0];
    }

    boolean isFunction(String symbol) {
        return "function".equals(types.get(symbol));
    }

    boolean isLocal(String symbol) {
        return !globals.contains(symbol);
    }

    /** The line (in the named source file, relative to the compile's folder) behind each .loc of a section. */
    List<SourceLine> lines(Section s) {
        List<SourceLine> out = new ArrayList<>();
        for (String loc : s.locs) {
            String[] p = loc.split(":");
            String file = files.get(Integer.parseInt(p[0]));
            if (file != null) {
                out.add(new SourceLine(file, Integer.parseInt(p[1])));
            }
        }
        return out;
    }

    record SourceLine(String file, int line) {
    }
}
