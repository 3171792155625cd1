package tfix.dsl;

import java.util.List;
import java.util.Map;

import groovy.lang.Script;

/**
 * The base class of every tfix script. Each verb is a method that makes one call on
 * the {@link TfixContext}; Groovy's command chains make
 * {@code replace 'f' with 'g' from 'p.so'} read as written.
 */
public abstract class TfixScript extends Script {
    public static final String CONTEXT = "__tfixContext";
    /** Verbs that may be written as bare words: {@code verify}, {@code status}, {@code detach}. */
    static final List<String> BARE_VERBS = List.of("verify", "status", "detach");
    /** Every verb, for suggestions. */
    public static final List<String> VERBS = List.of("attach", "replace", "verify", "revert", "status", "detach");

    protected TfixContext tfix() {
        return (TfixContext) getBinding().getVariable(CONTEXT);
    }

    public Object attach(Object pid) {
        return tfix().attach(toPid(pid));
    }

    private static int toPid(Object pid) {
        if (pid instanceof Number n) {
            return n.intValue();
        }
        try {
            return Integer.parseInt(String.valueOf(pid).trim());
        } catch (NumberFormatException e) {
            throw new tfix.engine.TfixException("attach takes a process id, not '" + pid + "'");
        }
    }

    /** {@code replace 'old' with 'new' from 'patch.so'}; the old name may be 'lib!name' or an address. */
    public ReplaceBuilder replace(String oldName) {
        return new ReplaceBuilder(tfix(), oldName, null);
    }

    /** {@code replace 'old', lib: 'libfoo.so' with ...}. */
    public ReplaceBuilder replace(Map<String, Object> named, String oldName) {
        Object lib = named.get("lib");
        return new ReplaceBuilder(tfix(), oldName, lib == null ? null : lib.toString());
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

        ReplaceBuilder(TfixContext ctx, String oldName, String library) {
            this.ctx = ctx;
            this.oldName = oldName;
            this.library = library;
        }

        public Target with(String newName) {
            return new Target(newName);
        }

        /** {@code ... with 'new' from 'patch.so'}. */
        public final class Target {
            private final String newName;

            Target(String newName) {
                this.newName = newName;
            }

            public Object from(String patchPath) {
                return ctx.replace(oldName, library, newName, patchPath);
            }
        }
    }
}
