package tfix.patchgen;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The functions and variables of one assembler file: each function with its sections (its code, its .cold part,
 * its jump tables), each variable with its own, and the text tfix compares: with debug directives dropped, jump
 * labels numbered within the function and constants (.LC labels, local read-only objects such as switch tables)
 * replaced by their content, so a function is "changed" exactly when its code or what it refers to changed.
 */
final class AsmUnits {
    static final Pattern TOKEN = Pattern.compile("[A-Za-z_.$][\\w.$]*");
    private static final Pattern JUMP_LABEL = Pattern.compile("\\.L\\d+");
    private static final Pattern CONST_LABEL = Pattern.compile("\\.LC\\d+");

    final AsmFile asm;
    /** Per function (a .cold part counted with its function), its sections in file order. */
    final Map<String, List<AsmFile.Section>> functions = new LinkedHashMap<>();
    /** Per variable, its section. */
    final Map<String, AsmFile.Section> data = new LinkedHashMap<>();
    private final Map<String, String> constantText = new HashMap<>();

    AsmUnits(AsmFile asm) {
        this.asm = asm;
        for (AsmFile.Section s : asm.sections.values()) {
            if (s.debug() || s.pool()) {
                continue;
            }
            List<String> symbols = s.symbols();
            if (s.code()) {
                String owner = symbols.isEmpty() ? ownerByName(s.name) : baseOf(symbols.get(0));
                if (owner != null) {
                    functions.computeIfAbsent(owner, k -> new ArrayList<>()).add(s);
                }
            } else if (!symbols.isEmpty()) {
                symbols.forEach(sym -> data.put(sym, s));
            } else {
                String owner = ownerByName(s.name);
                if (owner != null) {
                    functions.computeIfAbsent(owner, k -> new ArrayList<>()).add(s);
                }
            }
        }
    }

    /** "f.cold" belongs to f. */
    static String baseOf(String symbol) {
        return symbol.endsWith(".cold") ? symbol.substring(0, symbol.length() - 5) : symbol;
    }

    /** ".text.unlikely.f", ".rodata.f" (its jump tables) name their function. */
    private String ownerByName(String section) {
        for (String prefix : List.of(".text.unlikely.", ".text.hot.", ".text.startup.", ".text.exit.", ".text.", ".rodata.")) {
            if (section.startsWith(prefix) && asm.isFunction(section.substring(prefix.length()))) {
                return section.substring(prefix.length());
            }
        }
        return null;
    }

    /** A local read-only object (a switch table, __func__): copied into a patch, compared by content. */
    boolean constant(String symbol) {
        if (CONST_LABEL.matcher(symbol).matches()) {
            return true;
        }
        AsmFile.Section s = asm.labelSection.get(symbol);
        return s != null && !s.code() && s.name.startsWith(".rodata") && asm.isLocal(symbol) && !symbol.startsWith(".L");
    }

    String normalFunction(String name) {
        return normal(functions.get(name));
    }

    String normalData(String name) {
        return normal(List.of(data.get(name)));
    }

    private String normal(List<AsmFile.Section> sections) {
        StringBuilder out = new StringBuilder();
        Map<String, String> jumpLabels = new HashMap<>();
        for (AsmFile.Section s : sections) {
            out.append("## ").append(s.directive.trim()).append('\n');
            for (String line : s.lines) {
                String t = line.trim();
                if (debugOnly(t)) {
                    continue;
                }
                out.append(replaceTokens(t, jumpLabels)).append('\n');
            }
        }
        return out.toString();
    }

    private String replaceTokens(String line, Map<String, String> jumpLabels) {
        Matcher m = TOKEN.matcher(line);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String tok = m.group();
            String rep = tok;
            if (JUMP_LABEL.matcher(tok).matches()) {
                rep = jumpLabels.computeIfAbsent(tok, k -> ".J" + jumpLabels.size());
            } else if (constant(tok)) {
                rep = "<const " + constantContent(tok) + ">";
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(rep));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** The directives after a constant's label, up to the next label: what the code reads there. */
    String constantContent(String label) {
        String known = constantText.get(label);
        if (known != null) {
            return known;
        }
        String text = contentOf(label);
        constantText.put(label, text);
        return text;
    }

    private String contentOf(String l) {
        AsmFile.Section s = asm.labelSection.get(l);
        if (s == null) {
            return "?" + l;
        }
        StringBuilder text = new StringBuilder();
        boolean in = false;
        for (String line : s.lines) {
            String t = line.trim();
            if (t.equals(l + ":")) {
                in = true;
            } else if (in && !line.startsWith("\t") && t.endsWith(":")) {
                break;
            } else if (in && !debugOnly(t)) {
                text.append(t).append(';');
            }
        }
        return expand(text.toString(), l);
    }

    /** A constant naming other constants (a table of string pointers) is compared by theirs, not by label numbers. */
    private String expand(String text, String label) {
        Matcher m = CONST_LABEL.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String inner = m.group().equals(label) || depth > 4 ? m.group() : nested(m.group());
            m.appendReplacement(sb, Matcher.quoteReplacement("{" + inner + "}"));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private int depth;

    private String nested(String label) {
        depth++;
        try {
            String known = constantText.get(label);
            return known != null ? known : constantContent(label);
        } finally {
            depth--;
        }
    }

    static boolean debugOnly(String t) {
        if (t.isEmpty() || t.startsWith(".loc") || t.startsWith(".file") || t.startsWith(".cfi_") || t.startsWith("#")) {
            return true;
        }
        return t.startsWith(".L") && t.endsWith(":") && !JUMP_LABEL.matcher(t.substring(0, t.length() - 1)).matches()
                && !CONST_LABEL.matcher(t.substring(0, t.length() - 1)).matches();
    }
}
