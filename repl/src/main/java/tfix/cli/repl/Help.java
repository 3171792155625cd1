package tfix.cli.repl;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import tfix.dsl.TfixScript;
import tfix.engine.inspect.SymbolQuery;

/**
 * `help` and `help VERB`: one line per verb, then for each verb what it does and examples
 * that can be typed as they are (adjusting names and paths).
 */
public final class Help {
    /** {@code form}: how the verb is written; {@code summary}: one line; {@code details}: a few more. */
    public record Entry(String verb, String form, String summary, String details, List<String> examples) {
    }

    private static final Map<String, Entry> VERBS = new LinkedHashMap<>();

    private static void add(String verb, String form, String summary, String details, String... examples) {
        VERBS.put(verb, new Entry(verb, form, summary, details, List.of(examples)));
    }

    static {
        add("attach", "attach PID", "attach to a running process; it keeps running",
                "Seizes every thread of the process without stopping it. With `tfix repl --pid N`, the REPL attaches\n"
                        + "at start and binds `pid`. Attaching to another process detaches from the first.",
                "attach 4242", "attach pid", "p = 4242; attach p");
        add("replace", "replace 'old' with 'new' from 'patch.so'", "replace a function with one from a patch library",
                "The process loads the patch library itself (dlopen), then a jump is written at the old function's\n"
                        + "entry and read back. Names can be plain, C++ source names, 'lib!name' or an address.\n"
                        + "original: 'var' sets a patch variable to a callable copy of the old function; in: 'lib.so'\n"
                        + "replaces only that module's import of it; clones: 'ignore' lets compiler clones keep their calls.\n"
                        + "length: N names code no symbol describes by address and size; an IFUNC is replaced in the\n"
                        + "implementation the process bound. Debug packages (/usr/lib/debug) name static functions too.\n"
                        + "Relative paths start from the current folder (or the folder of a :load-ed script).",
                "replace 'compute' with 'compute_v2' from 'patch.so'",
                "replace 'libscore.so!compute' with 'compute_v2' from 'build/patch.so'",
                "replace 'compute', lib: 'libscore.so' with 'compute_v2' from 'patch.so'",
                "replace 'Role::getClassName()' with 'getClassName_v2' from 'role_fix.so'",
                "replace 'compute' with 'compute_v2' from 'patch.so', sha256: '9f86d081884c7d65...'",
                "replace 'compute' with 'compute_v2' from 'patch.so', original: 'compute_orig'",
                "replace 'strtol', in: 'libgreet.so' with 'strtol_v2' from 'patch.so'",
                "replace 'f' with 'f_v2' from 'patch.so', clones: 'ignore'",
                "replace '0x7f12345', length: 48 with 'f_v2' from 'patch.so'");
        add("apply", "apply 'fix.so'", "apply the replacements a patch lists in its own fix table",
                "The patch lists them with tfix.h's TFIX_FIX(\"replace old with new ...\"); all of them go in as one\n"
                        + "transaction, and status says which entry each site came from.",
                "apply 'fix.so'", "apply 'fix.so', sha256: '9f86d081884c7d65...'", "plan { apply 'fix.so' }");
        add("verify", "verify", "read every patched site back and compare it with the record",
                "Fails, naming the functions, if someone changed the patched bytes since.", "verify");
        add("revert", "revert 'old'  |  revert()", "undo one replacement, a transaction, or all of them",
                "Works from any tfix run: what was changed is recorded in the process itself.",
                "revert 'compute'", "revert transaction: 2", "revert()");
        add("status", "status", "list the patches in force, read from the process itself",
                "Shows each replaced function, its replacement, the patch library, the site and since when.", "status");
        add("detach", "detach", "let the process go; the patches stay in force",
                "The REPL also detaches when it ends (Ctrl-D, exit), whatever happens.", "detach");
        add("transaction", "transaction { replace ...; replace ... }", "several replacements in one stop, all or nothing",
                "Every replace inside the block is planned first; if one is refused, none is applied.",
                "transaction {\n    replace 'compute' with 'compute_v2' from 'patch.so'\n"
                        + "    replace 'compute_static' with 'compute_static_v2' from 'patch.so'\n}");
        add("plan", "plan { replace ... }", "print what replacements would do (bytes, disassembly, checks); change nothing",
                "Nothing is loaded or written: use it to look before you patch.",
                "plan { replace 'compute' with 'compute_v2' from 'patch.so' }");
        add("safety", "safety 'stack'", "also refuse while a thread has the old function on its stack",
                "'stack' waits (up to --thread-timeout) until no thread is inside the old function; 'default' turns it off.",
                "safety 'stack'", "safety 'default'");
        add("expect", "expect buildId: 'HEX'", "go on only if the executable (or a library) has this GNU build-id",
                "Pins a runbook to the build it was written for.",
                "expect buildId: '3f2a9c1e0b7d4e5f'", "expect buildId: '3f2a9c1e0b7d4e5f', lib: 'libscore.so'");
        add("disas", "disas 'func'  |  disas 0xADDRESS, LENGTH", "disassemble a function as the process holds it now",
                "Shows the jump after a replace. Call and jump targets are named (call 0x... <inner>), RIP-relative\n"
                        + "operands too (# 0x... <counter+0x0>); => marks the instruction a thread is at now (<= thread N): a\n"
                        + "running thread is stopped for an instant to read it, one waiting in a system call is not.",
                "disas 'compute'", "disas 0x401136, 32");
        add("symbols", "symbols ~/regex/", "list the symbols whose names match: functions, variables, TLS, IFUNCs",
                "Counted and sorted by module, then address; " + SymbolQuery.PAGE_SIZE + " a page, the first line says how many\n"
                        + "and how to ask for the next page. Each line: address (tls+offset for a thread-local), size, kind\n"
                        + "(a static's source file with it), lib!name. Named arguments: page: N, kind: 'function' | 'variable'\n"
                        + "| 'tls' | 'ifunc' | 'other', lib: 'libfoo.so'.",
                "symbols ~/^compute/", "symbols 'parse.*'", "symbols ~/Command$/, page: 2",
                "symbols ~/count/, kind: 'variable'", "symbols ~/^str/, kind: 'function', lib: 'libc.so.6'");
        add("maps", "maps", "the files mapped in the process and where", "", "maps");
        add("threads", "threads", "the process's threads, where each one is, and a backtrace of each",
                "Each thread is stopped only while its registers and 64 KiB of its stack are read. Frames come from the\n"
                        + "frame-pointer chain, each one checked (inside the stack, going up, just after a call); where there\n"
                        + "is none (code built without frame pointers, such as libc) stack words that point just after a call\n"
                        + "are listed, marked ? as guesses. .eh_frame is not read.",
                "threads");
        add("where", "where 'func'", "which threads are in a function or have it on their stack now",
                "Reads the same backtraces as threads; a frame found only as a stack word is said to be a guess.",
                "where 'compute'", "where 'Session::close()'");
        add("peek", "peek 0xADDRESS, LENGTH", "a hex dump of the process's memory", "", "peek 0x7ffd1000, 64");
    }

    private static final List<String[]> REPL = List.of(
            new String[] {":load FILE", "run a .tfix.groovy script in this session (its paths start from its folder)"},
            new String[] {":reload", "run the last loaded script again, after an edit"},
            new String[] {"help VERB", "what a verb does, with examples"},
            new String[] {"exit, Ctrl-D", "detach and leave (quit works too)"});

    private Help() {
    }

    public static Optional<Entry> entry(String verb) {
        return Optional.ofNullable(VERBS.get(verb));
    }

    /** The one-line summary of a verb, for completion lists. */
    public static String summary(String verb) {
        return entry(verb).map(Entry::summary).orElse("");
    }

    /** The answer to a `help` line: the overview, or one verb. */
    public static String answer(String line) {
        String topic = line.strip().substring(4).strip().replaceAll("^['\"]|['\"]$", "");
        if (topic.isEmpty()) {
            return overview();
        }
        return entry(topic).map(Help::verb).orElseGet(() -> "no verb '" + topic + "': "
                + String.join(", ", TfixScript.VERBS) + " (type help for the list)");
    }

    static String overview() {
        int width = VERBS.values().stream().map(e -> e.form().length()).max(Comparator.naturalOrder()).orElse(0) + 2;
        StringBuilder sb = new StringBuilder("verbs (help VERB shows examples):\n");
        for (String v : TfixScript.VERBS) {
            Entry e = VERBS.get(v);
            if (e != null) {
                sb.append(String.format("  %-" + width + "s%s%n", e.form(), e.summary()));
            }
        }
        sb.append("in the REPL:\n");
        for (String[] r : REPL) {
            sb.append(String.format("  %-" + width + "s%s%n", r[0], r[1]));
        }
        sb.append("Tab completes verbs, functions after replace/revert/disas/where, patch functions after with, files after from.\n");
        sb.append("Groovy works too (x = 4242; attach x). Ctrl-C stops a command that waits; the target keeps running.");
        return sb.toString();
    }

    static String verb(Entry e) {
        StringBuilder sb = new StringBuilder(e.form()).append('\n');
        sb.append("  ").append(capitalised(e.summary())).append(".\n");
        if (!e.details().isEmpty()) {
            e.details().lines().forEach(l -> sb.append("  ").append(l).append('\n'));
        }
        sb.append(e.examples().size() == 1 ? "example:\n" : "examples:\n");
        for (String x : e.examples()) {
            x.lines().forEach(l -> sb.append("  ").append(l).append('\n'));
        }
        return sb.toString().stripTrailing();
    }

    private static String capitalised(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
