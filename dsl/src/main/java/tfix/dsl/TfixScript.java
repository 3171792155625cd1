package tfix.dsl;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import groovy.lang.Closure;
import groovy.lang.Script;
import tfix.engine.patch.ReplaceSpec;
import tfix.engine.Via;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.inspect.SymbolQuery;

/**
 * The base class of every tfix script. Each verb is a method that makes one call on
 * the {@link TfixContext}; Groovy's command chains make
 * {@code replace 'f' with 'g' from 'p.so'} read as written.
 */
public abstract class TfixScript extends Script {
    public static final String CONTEXT = "__tfixContext";
    /** Verbs that may be written as bare words: {@code verify}, {@code status}, {@code detach}... */
    static final List<String> BARE_VERBS = List.of("verify", "status", "detach", "maps", "threads");
    /** Every verb, for suggestions and completion. */
    public static final List<String> VERBS = List.of("attach", "replace", "apply", "verify", "revert", "status", "detach",
            "transaction", "plan", "safety", "expect", "disas", "symbols", "maps", "threads", "where", "peek");

    protected TfixContext tfix() {
        return (TfixContext) getBinding().getVariable(CONTEXT);
    }

    public Object attach(Object pid) {
        int p = toPid(pid);
        Object session = tfix().attach(p);
        if (!getBinding().hasVariable("pid")) {
            getBinding().setVariable("pid", p); // so a runbook loaded later can say `attach pid`
        }
        return session;
    }

    /** {@code attach pid, via: 'agent'} (or {@code 'ptrace'}): force the route to the process. */
    public Object attach(Map<String, Object> named, Object pid) {
        NamedArguments.only("attach", named, "via");
        int p = toPid(pid);
        Object session = tfix().attach(p, Via.named(String.valueOf(named.get("via"))));
        if (!getBinding().hasVariable("pid")) {
            getBinding().setVariable("pid", p);
        }
        return session;
    }

    private static int toPid(Object pid) {
        if (pid instanceof Integer || pid instanceof Long) {
            long v = ((Number) pid).longValue();
            if (v > 0 && v <= Integer.MAX_VALUE) {
                return (int) v;
            }
        }
        if (pid instanceof Number) {
            throw new TfixException(Reason.BAD_INPUT, "attach takes a process id (a whole number above 0), not " + pid);
        }
        try {
            int v = Integer.parseInt(String.valueOf(pid).trim());
            if (v <= 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new TfixException(Reason.BAD_INPUT, "attach takes a process id (a whole number above 0), not '" + pid + "'");
        }
    }

    /** {@code replace 'old' with 'new' from 'patch.so'}; the old name may be 'lib!name' or an address. */
    public ReplaceBuilder replace(String oldName) {
        return new ReplaceBuilder(tfix(), oldName, null, null, 0);
    }

    /**
     * {@code replace 'old', lib: 'libfoo.so' with ...}; {@code in: 'libgreet.so'} replaces only the calls that
     * module makes through its import table.
     */
    public ReplaceBuilder replace(Map<String, Object> named, String oldName) {
        NamedArguments.only("replace", named, "lib", "in", "length");
        int length = ReplaceLength.of(named.get("length"), oldName, named.get("in") != null);
        return new ReplaceBuilder(tfix(), oldName, text(named.get("lib")), text(named.get("in")), length);
    }

    private static String text(Object value) {
        return value == null ? null : value.toString();
    }

    /** {@code apply 'fix.so'}: the replacements the patch lists in its own fix table, as one transaction. */
    public Object apply(String patchPath) {
        return tfix().applyTable(patchPath, null);
    }

    /** {@code apply 'fix.so', sha256: 'HEX'}. */
    public Object apply(Map<String, Object> named, String patchPath) {
        NamedArguments.only("apply", named, "sha256");
        return tfix().applyTable(patchPath, text(named.get("sha256")));
    }

    public Object verify() {
        return tfix().verify();
    }

    public Object status() {
        return tfix().status();
    }

    public Object revert(String function) {
        return tfix().revert(function);
    }

    /** {@code revert transaction: 2}: every patch of one transaction. */
    public Object revert(Map<String, Object> named) {
        NamedArguments.only("revert", named, "transaction");
        Object tx = named.get("transaction");
        if (!(tx instanceof Number)) {
            throw new TfixException(Reason.BAD_INPUT, "revert takes a function name, transaction: N, or nothing (all)");
        }
        return tfix().revertTransaction(((Number) tx).intValue());
    }

    /** {@code transaction { replace ...; replace ... }}: one stop, all or nothing. */
    public Object transaction(Closure<?> body) {
        return tfix().transaction(body::call);
    }

    /** {@code plan { replace ... }}: print the plans, change nothing. */
    public Object plan(Closure<?> body) {
        return tfix().plan(body::call);
    }

    /** {@code safety 'stack'}: refuse while a thread has the old function on its stack. */
    public Object safety(String level) {
        tfix().safety(level);
        return null;
    }

    /** {@code expect buildId: 'HEX'} or {@code expect buildId: 'HEX', lib: 'libfoo.so'}. */
    public Object expect(Map<String, Object> named) {
        NamedArguments.only("expect", named, "buildId", "lib");
        Object id = named.get("buildId");
        if (id == null) {
            throw new TfixException(Reason.BAD_INPUT, "expect takes buildId: 'HEX' (and lib: 'name' for a library)");
        }
        Object lib = named.get("lib");
        tfix().expectBuildId(lib == null ? null : lib.toString(), id.toString());
        return null;
    }

    /** {@code disas 'func'}: the function as the process holds it now. */
    public Object disas(String function) {
        return tfix().print(tfix().session().inspect(i -> i.disassemble(function)));
    }

    /** {@code disas 0x401000, 32} */
    public Object disas(Number address, Number length) {
        return tfix().print(tfix().session().inspect(i -> i.disassemble(address.longValue(), length.intValue())));
    }

    /** {@code symbols ~/regex/}: the first page of matches, counted and sorted. */
    public Object symbols(Pattern pattern) {
        return symbols(Map.of(), pattern);
    }

    public Object symbols(String regex) {
        return symbols(Pattern.compile(regex));
    }

    /** {@code symbols ~/regex/, page: 2, kind: 'variable', lib: 'libc.so.6'}. */
    public Object symbols(Map<String, Object> named, Pattern pattern) {
        NamedArguments.only("symbols", named, "page", "kind", "lib");
        Object page = named.getOrDefault("page", 1);
        if (!(page instanceof Integer || page instanceof Long)) {
            throw new TfixException(Reason.BAD_INPUT, "symbols: page: takes a whole number (1 for the first page), not '"
                    + page + "'");
        }
        SymbolQuery q = new SymbolQuery(pattern, text(named.get("kind")), text(named.get("lib")),
                (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, ((Number) page).longValue())));
        return tfix().print(tfix().session().inspect(i -> i.symbols(q)));
    }

    public Object symbols(Map<String, Object> named, String regex) {
        return symbols(named, Pattern.compile(regex));
    }

    /** {@code where 'func'}: the threads in it or with it on their stack now. */
    public Object where(String function) {
        return tfix().print(tfix().session().inspect(i -> i.where(function)));
    }

    public Object maps() {
        return tfix().print(tfix().session().inspect(i -> i.maps()));
    }

    public Object threads() {
        return tfix().print(tfix().session().inspect(i -> i.threads()));
    }

    /** {@code peek 0x7ffd1000, 64}: a hex dump of the target's memory. */
    public Object peek(Number address, Number length) {
        return tfix().print(tfix().session().inspect(i -> i.peek(address.longValue(), length.intValue())));
    }

    /** {@code revert()}: every patch in force. */
    public Object revert() {
        return tfix().revertAll();
    }

    public Object detach() {
        tfix().detach();
        return null;
    }

    @Override
    public Object getProperty(String property) {
        if (BARE_VERBS.contains(property)) {
            return invokeMethod(property, new Object[0]);
        }
        return super.getProperty(property);
    }

    /** The middle and end of a replace chain. */
    public static final class ReplaceBuilder {
        private final TfixContext ctx;
        private final String oldName;
        private final String library;
        private final String importer;
        /** {@code length:}, or 0. */
        private final int length;

        ReplaceBuilder(TfixContext ctx, String oldName, String library, String importer, int length) {
            this.ctx = ctx;
            this.oldName = oldName;
            this.library = library;
            this.importer = importer;
            this.length = length;
            ctx.unfinished("replace '" + oldName + "'");
        }

        public Target with(String newName) {
            return new Target(newName);
        }

        /** {@code ... with 'new' from 'patch.so'}. */
        public final class Target {
            private final String newName;

            Target(String newName) {
                this.newName = newName;
                ctx.unfinished("replace '" + oldName + "' with '" + newName + "'");
            }

            public Object from(String patchPath) {
                return from(Map.of(), patchPath);
            }

            /**
             * {@code ... from 'patch.so', sha256: 'HEX'}: refuses a patch file with another digest;
             * {@code original: 'f_orig'} sets that patch variable to a callable copy of the old function;
             * {@code clones: 'ignore'} lets the compiler's clones of the function keep their callers.
             */
            public Object from(Map<String, Object> named, String patchPath) {
                NamedArguments.only("from", named, "sha256", "original", "clones");
                Object clones = named.get("clones");
                if (clones != null && !"ignore".equals(clones.toString())) {
                    throw new TfixException(Reason.BAD_INPUT, "clones: takes 'ignore' (let the compiler's clones of "
                            + oldName + " keep their callers), not '" + clones + "'; nothing was done");
                }
                ctx.finished();
                ReplaceSpec spec = new ReplaceSpec(oldName, library, newName, ctx.resolve(patchPath), text(named.get("sha256")),
                        text(named.get("original")), importer, clones != null);
                return ctx.replace(length > 0 ? spec.withLength(length) : spec);
            }
        }
    }
}
