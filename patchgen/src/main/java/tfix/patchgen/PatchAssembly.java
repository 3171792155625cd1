package tfix.patchgen;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/**
 * The patch's assembler for one file: the changed functions under new names, the new functions and variables,
 * the constants they read; every reference to the program re-aimed through the GOT (weak, for tfix to bind) and
 * every call through the PLT. A load, store or arithmetic on a program variable becomes: step over the red zone,
 * save a scratch register the instruction does not use, load the variable's address from the GOT into it, run the
 * instruction on that address, restore. Only lea, mov, push, pop run in between: the flags pass through unchanged.
 */
final class PatchAssembly {
    /** sym(%rip), sym+8(%rip), and gcc's other spelling 8+sym(%rip): the symbol is group 2, the offsets 1 and 3. */
    private static final Pattern RIP = Pattern.compile("(?<![\\w.$@])(?:(-?\\d+)\\+)?([A-Za-z_.$][\\w.$]*)((?:[+-]\\d+)?)\\(%rip\\)");
    private static final Pattern VIA = Pattern.compile("(?<![\\w.$@])([A-Za-z_.$][\\w.$]*)@(GOTPCREL|PLT|GOT)\\b");
    private static final Pattern BRANCH = Pattern.compile("^(\\s*)(call|jmp|j[a-z]{1,4})\\s+([A-Za-z_.$][\\w.$]*)\\s*$");
    private static final Pattern IMMEDIATE = Pattern.compile("\\$([A-Za-z_][\\w.$]*)");
    private static final Pattern LEA = Pattern.compile("^\\s*leaq\\s+([^,]+),\\s*(%r\\w+)\\s*$");
    private static final List<String> SCRATCH = List.of("r11", "r10", "r9", "r8");

    /** A reference from the patch to the program or a library: bound by tfix (weak) or by the loader. */
    record Reference(String name, boolean weak, boolean fileStatic) {
    }

    private final AsmUnits units;
    private final Set<String> defined = new LinkedHashSet<>();
    final Map<String, Reference> references = new TreeMap<>();
    /** Per kept function, what it references, for --explain. */
    final Map<String, Set<String>> uses = new LinkedHashMap<>();
    private final List<AsmFile.Section> copiedConstants = new ArrayList<>();
    /** Local labels of sections not carried whole (a .LC table of pointers in .data): copied label by label. */
    private final Set<String> copiedLabels = new LinkedHashSet<>();
    private final java.util.Set<AsmFile.Section> whole = new java.util.HashSet<>();

    PatchAssembly(AsmUnits units) {
        this.units = units;
    }

    /**
     * @param kept     the functions to carry (changed, new, and unchanged ones the binary lacks), in file order
     * @param renames  old name to new for the changed ones (and their .cold parts)
     * @param newData  the variables the patch defines itself
     * @param inBinary whether the binary's symbol table defines a name
     */
    String render(List<String> kept, Map<String, String> renames, List<String> newData,
                          java.util.function.Predicate<String> inBinary) {
        for (String f : kept) {
            units.functions.get(f).forEach(s -> s.symbols().forEach(sym -> defined.add(renames.getOrDefault(sym, sym))));
            whole.addAll(units.functions.get(f));
        }
        units.asm.sections.values().stream().filter(AsmFile.Section::pool).forEach(whole::add);
        newData.forEach(d -> whole.add(units.data.get(d)));
        defined.addAll(newData);
        StringBuilder code = new StringBuilder();
        for (String f : kept) {
            Set<String> used = new LinkedHashSet<>();
            uses.put(f, used);
            Set<String> tlsRelative = TlsAccess.moduleRelative(units.functions.get(f).stream()
                    .flatMap(s -> s.lines.stream()).toList(), defined);
            for (AsmFile.Section s : units.functions.get(f)) {
                code.append(s.directive).append('\n');
                for (String line : s.lines) {
                    if (line.trim().startsWith(".loc") || line.trim().startsWith(".file")) {
                        continue;
                    }
                    String renamed = rename(line, renames);
                    if (renames.containsKey(f) && line.trim().equals(".type\t" + f + ", @function")) {
                        code.append("\t.globl\t").append(renames.get(f)).append('\n');
                    }
                    code.append(rewrite(renamed, f, used, inBinary, tlsRelative)).append('\n');
                }
            }
        }
        StringBuilder out = new StringBuilder("\t.text\n");
        references.values().stream().filter(Reference::weak).forEach(r -> out.append("\t.weak\t").append(r.name()).append('\n'));
        for (AsmFile.Section s : units.asm.sections.values()) {
            if (s.pool()) {
                appendSection(out, s);
            }
        }
        copiedConstants.forEach(s -> appendSection(out, s));
        copyLabels(out);
        for (String d : newData) {
            appendSection(out, units.data.get(d));
        }
        out.append(code);
        out.append("\t.section\t.note.GNU-stack,\"\",@progbits\n");
        return out.toString();
    }

    /**
     * Each copied label with the alignment before it and its data up to the next label, in its own section; the
     * labels its data names are copied too.
     */
    private void copyLabels(StringBuilder out) {
        List<String> todo = new ArrayList<>(copiedLabels);
        Set<String> done = new LinkedHashSet<>();
        while (!todo.isEmpty()) {
            String label = todo.remove(0);
            if (!done.add(label)) {
                continue;
            }
            AsmFile.Section s = units.asm.labelSection.get(label);
            int at = s.lines.indexOf(label + ":");
            int from = at;
            while (from > 0 && s.lines.get(from - 1).trim().matches("\\.(p2align|balign|align)\\b.*")) {
                from--;
            }
            out.append(s.directive).append('\n');
            out.append(String.join("\n", s.lines.subList(from, at + 1))).append('\n');
            for (int i = at + 1; i < s.lines.size() && s.lines.get(i).startsWith("\t"); i++) {
                out.append(s.lines.get(i)).append('\n');
                Matcher m = AsmUnits.TOKEN.matcher(s.lines.get(i));
                while (m.find()) {
                    AsmFile.Section other = units.asm.labelSection.get(m.group());
                    if (m.group().startsWith(".L") && other != null && !whole.contains(other)) {
                        todo.add(m.group());
                    }
                }
            }
        }
    }

    private static void appendSection(StringBuilder out, AsmFile.Section s) {
        out.append(s.directive).append('\n');
        s.lines.stream().filter(l -> !AsmUnits.debugOnly(l.trim()))
                .forEach(l -> out.append(l).append('\n'));
    }

    private static String rename(String line, Map<String, String> renames) {
        String t = line.trim();
        if (t.startsWith(".string") || t.startsWith(".ascii") || renames.isEmpty()) {
            return line;
        }
        Matcher m = AsmUnits.TOKEN.matcher(line);
        StringBuilder sb = new StringBuilder();
        boolean instruction = line.startsWith("\t") && !t.startsWith(".");
        boolean first = true;
        while (m.find()) {
            // An instruction's mnemonic and registers are never symbols (Redis has a function named call).
            boolean keep = (instruction && first) || m.start() > 0 && line.charAt(m.start() - 1) == '%';
            first = false;
            m.appendReplacement(sb, Matcher.quoteReplacement(keep ? m.group() : renames.getOrDefault(m.group(), m.group())));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private String rewrite(String line, String owner, Set<String> used, java.util.function.Predicate<String> inBinary,
                           Set<String> tlsRelative) {
        String t = line.trim();
        if (t.startsWith(".") || t.endsWith(":") || t.isEmpty()) {
            return line;
        }
        Matcher tls = TlsAccess.ANY.matcher(t);
        if (tls.find() && !defined.contains(tls.group(1))) {
            Matcher call = VIA.matcher(t);
            while (call.find()) {
                note(call.group(1), used, inBinary);
            }
            return TlsAccess.rewrite(t, tls.group(1), owner, tlsRelative, sym -> note(sym, used, inBinary));
        }
        Matcher via = VIA.matcher(t);
        while (via.find()) {
            note(via.group(1), used, inBinary);
        }
        Matcher imm = IMMEDIATE.matcher(t);
        while (imm.find()) {
            if (!defined.contains(imm.group(1)) && !imm.group(1).startsWith(".L")) {
                throw refuse(owner, "takes the absolute address of " + imm.group(1) + " (" + t + "): the file was built"
                        + " without -fPIE/-fPIC, and a patch library needs position-independent code; rebuild with -fPIE");
            }
        }
        Matcher b = BRANCH.matcher(line);
        if (b.matches() && !external(b.group(3))) {
            return line;
        }
        if (b.matches()) {
            note(b.group(3), used, inBinary);
            return b.group(1) + b.group(2) + "\t" + b.group(3) + "@PLT";
        }
        Matcher rip = RIP.matcher(t);
        if (!rip.find() || !external(rip.group(2))) {
            return line;
        }
        String sym = rip.group(2);
        note(sym, used, inBinary);
        long offset = (rip.group(1) == null ? 0 : Long.parseLong(rip.group(1)))
                + (rip.group(3).isEmpty() ? 0 : Long.parseLong(rip.group(3)));
        if (t.matches("(call|jmp)q?\\s+\\*.*") && offset == 0) {
            // A call or tail call through a program's function pointer: r11 is the ABI's scratch across calls.
            return "\tmovq\t" + sym + "@GOTPCREL(%rip), %r11\n\t" + t.substring(0, rip.start()) + "(%r11)" + t.substring(rip.end());
        }
        Matcher lea = LEA.matcher(t);
        if (lea.matches() && lea.group(1).trim().equals(rip.group())) {
            return "\tmovq\t" + sym + "@GOTPCREL(%rip), " + lea.group(2)
                    + (offset == 0 ? "" : "\n\tleaq\t" + offset + "(" + lea.group(2) + "), " + lea.group(2));
        }
        if (t.matches(".*%[re]?sp\\b.*|.*%spl\\b.*")) {
            throw refuse(owner, "uses the stack pointer and the program variable " + sym + " in one instruction (" + t
                    + "), which tfix build cannot re-aim through the GOT");
        }
        String scratch = SCRATCH.stream().filter(r -> !t.contains("%" + r)).findFirst()
                .orElseThrow(() -> refuse(owner, "has no free scratch register for " + t));
        String operand = (offset == 0 ? "" : Long.toString(offset)) + "(%" + scratch + ")";
        return "\tleaq\t-128(%rsp), %rsp\n\tpushq\t%" + scratch + "\n\tmovq\t" + sym + "@GOTPCREL(%rip), %" + scratch
                + "\n\t" + t.substring(0, rip.start()) + operand + t.substring(rip.end())
                + "\n\tpopq\t%" + scratch + "\n\tleaq\t128(%rsp), %rsp";
    }

    /** Not the patch's own: a local label, a kept symbol, or a constant copied into the patch are its own. */
    private boolean external(String sym) {
        if (sym.startsWith(".L")) {
            AsmFile.Section s = units.asm.labelSection.get(sym);
            if (s != null && !whole.contains(s)) {
                copiedLabels.add(sym);
            }
            return false;
        }
        if (defined.contains(sym)) {
            return false;
        }
        if (units.constant(sym)) {
            AsmFile.Section s = units.asm.labelSection.get(sym);
            if (!copiedConstants.contains(s)) {
                copiedConstants.add(s);
            }
            defined.add(sym);
            return false;
        }
        return true;
    }

    private void note(String sym, Set<String> used, java.util.function.Predicate<String> inBinary) {
        if (defined.contains(sym) || sym.startsWith(".L")) {
            return;
        }
        used.add(sym);
        boolean local = units.asm.labelSection.containsKey(sym) && units.asm.isLocal(sym);
        references.putIfAbsent(sym, new Reference(sym, inBinary.test(sym), local));
    }

    private static TfixException refuse(String function, String why) {
        return new TfixException(Reason.UNSUPPORTED, "cannot patch " + function + ": it " + why);
    }
}
