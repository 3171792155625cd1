package tfix.patchgen;

import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/**
 * A thread-local variable of the program in the patch's assembler: re-aimed at a weak TLS reference tfix binds
 * (module id and offset, or offset from the thread pointer). The program's own code reaches its TLS in ways only
 * its own module can: local-dynamic ({@code @tlsld}, the module's block) and local-exec ({@code %fs:X@tpoff}, an
 * offset fixed at link time). In the patch, local-dynamic becomes general-dynamic for the one variable the function
 * uses ({@code @dtpoff} then 0: __tls_get_addr returns the variable itself), and local-exec becomes initial-exec
 * (the offset loaded from the patch's GOT into a scratch register saved past the red zone). General-dynamic and
 * initial-exec are kept as they are: the reference is simply weak.
 */
final class TlsAccess {
    static final Pattern ANY = Pattern.compile("([A-Za-z_.$][\\w.$]*)@(tpoff|gottpoff|tlsgd|tlsld|dtpoff|TPOFF|GOTTPOFF)");
    private static final Pattern LOCAL_EXEC = Pattern.compile("%fs:([A-Za-z_.$][\\w.$]*)@tpoff((?:[+-]\\d+)?)");
    private static final Pattern DTPOFF = Pattern.compile("([A-Za-z_.$][\\w.$]*)@dtpoff");

    private TlsAccess() {
    }

    /** The program's thread-local variables a function's code reaches relative to its module's block (@dtpoff). */
    static Set<String> moduleRelative(Iterable<String> lines, Set<String> defined) {
        Set<String> vars = new TreeSet<>();
        for (String l : lines) {
            Matcher m = DTPOFF.matcher(l);
            while (m.find()) {
                if (!defined.contains(m.group(1))) {
                    vars.add(m.group(1));
                }
            }
        }
        return vars;
    }

    /**
     * The instruction {@code t} (trimmed, naming a TLS relocation of {@code sym}) rewritten for the patch;
     * {@code relative}: the function's module-relative variables; {@code note}: records a reference.
     */
    static String rewrite(String t, String sym, String owner, Set<String> relative, Consumer<String> note) {
        Matcher le = LOCAL_EXEC.matcher(t);
        if (t.contains("@tlsld")) {
            if (relative.size() != 1) {
                throw refuse(owner, "reaches the thread-local variables " + relative + " from one local-dynamic base ("
                        + t + "), which a patch library (another module) cannot share; make the new code use one of them,"
                        + " or reach the others through a function of the program");
            }
            String var = relative.iterator().next();
            note.accept(var);
            return "\t.byte\t0x66\n\tleaq\t" + var + "@tlsgd(%rip), %rdi\n\t.value\t0x6666\n\trex64"; // its call follows
        }
        if (t.contains("@dtpoff")) {
            Matcher m = DTPOFF.matcher(t);
            return "\t" + m.replaceAll(r -> relative.contains(r.group(1)) ? "0" : Matcher.quoteReplacement(r.group()));
        }
        if (le.find()) {
            if (t.matches(".*%(r11|r11d|r11w|r11b)\\b.*|.*%[re]?sp\\b.*")) {
                throw refuse(owner, "uses the thread-local variable " + sym + " with %r11 or the stack pointer (" + t
                        + "), which tfix build cannot re-aim");
            }
            note.accept(le.group(1));
            String operand = "%fs:" + (le.group(2).isEmpty() ? "" : le.group(2)) + "(%r11)";
            return "\tleaq\t-128(%rsp), %rsp\n\tpushq\t%r11\n\tmovq\t" + le.group(1) + "@gottpoff(%rip), %r11\n\t"
                    + t.substring(0, le.start()) + operand + t.substring(le.end()) + "\n\tpopq\t%r11\n\tleaq\t128(%rsp), %rsp";
        }
        if (t.contains("@tlsgd") || t.toLowerCase().contains("@gottpoff")) {
            note.accept(sym);
            return "\t" + t;
        }
        throw refuse(owner, "computes the address of the thread-local variable " + sym + " from the thread pointer (" + t
                + "), which tfix build cannot re-aim; reach it through a function of the program");
    }

    private static TfixException refuse(String function, String why) {
        return new TfixException(Reason.UNSUPPORTED, "cannot patch " + function + ": it " + why);
    }
}
