package tfix.dsl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;

import groovy.lang.Binding;
import groovy.lang.GroovyCodeSource;
import groovy.lang.GroovyShell;
import groovy.lang.MissingMethodException;
import groovy.lang.MissingPropertyException;
import groovy.lang.Script;
import org.codehaus.groovy.control.CompilerConfiguration;
import org.codehaus.groovy.control.MultipleCompilationErrorsException;
import org.codehaus.groovy.control.messages.SyntaxErrorMessage;
import org.codehaus.groovy.runtime.InvokerHelper;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/**
 * Runs tfix scripts over a {@link TfixContext}. A failure becomes one {@link ScriptError}
 * line naming the script line; the process is always detached at the end.
 */
public final class ScriptRunner {
    private final GroovyShell shell;
    private final Binding binding;
    private final TfixContext context;
    /** Where compiled scripts are kept between runs (the command line's); null: compile every time. */
    private ScriptCache cache;

    public ScriptRunner(TfixContext context) {
        this.context = context;
        this.binding = new Binding();
        binding.setVariable(TfixScript.CONTEXT, context);
        this.shell = new GroovyShell(ScriptRunner.class.getClassLoader(), binding, configuration());
    }

    private static CompilerConfiguration configuration() {
        CompilerConfiguration cc = new CompilerConfiguration();
        cc.setScriptBaseClass(TfixScript.class.getName());
        return cc;
    }

    /**
     * A script compiled once, to run over many processes (tfix run --all): each run makes its own
     * instance with its own binding and context, so runs share only the class, which holds no state
     * of theirs (a script's variables live in its binding).
     */
    public record Compiled(Class<? extends Script> type, String name) {
    }

    /** Compiles {@code text}; a syntax error is the same one line that running it would give. */
    @SuppressWarnings("unchecked")
    public static Compiled compile(String text, String name) {
        GroovyShell compiler = new GroovyShell(ScriptRunner.class.getClassLoader(), new Binding(), configuration());
        try {
            return new Compiled((Class<? extends Script>) compiler.getClassLoader()
                    .parseClass(new GroovyCodeSource(text, className(name) + ".groovy", GroovyShell.DEFAULT_CODE_BASE)), name);
        } catch (MultipleCompilationErrorsException e) {
            throw syntaxError(name, e);
        }
    }

    /** The text of a script file, or one clear line when it cannot be read. */
    public static String readScript(Path script) {
        try {
            return Files.readString(script);
        } catch (NoSuchFileException e) {
            throw new ScriptError(Reason.BAD_INPUT, script.toString(), 0, "script " + script + " not found: check the path", e);
        } catch (IOException e) {
            throw new ScriptError(Reason.IO, script.toString(), 0, "cannot read script " + script + ": " + e.getMessage(), e);
        }
    }

    /** Runs a compiled script over this runner's context with its own binding. Detaches at the end. */
    public Object runCompiled(Compiled compiled, Map<String, Object> variables) {
        try {
            variables.forEach(binding::setVariable);
            return execute(InvokerHelper.createScript(compiled.type(), binding), compiled.name());
        } finally {
            context.close();
        }
    }

    /** Scripts run from now on are taken from (and kept in) {@code cache} instead of compiled each time. */
    public ScriptRunner caching(ScriptCache cache) {
        this.cache = cache;
        return this;
    }

    public Binding binding() {
        return binding;
    }

    public TfixContext context() {
        return context;
    }

    /** Runs a script file; relative paths in it resolve against its folder. Detaches at the end. */
    public Object runFile(Path script, Map<String, Object> variables) {
        String text = readScript(script);
        context.baseDir(script.toAbsolutePath().getParent());
        try {
            return evaluate(text, script.getFileName().toString(), variables);
        } finally {
            context.close();
        }
    }

    /** Runs script text (exec); relative paths resolve against the context's folder. Detaches at the end. */
    public Object runText(String text, Map<String, Object> variables) {
        return runText(text, "exec", variables);
    }

    /** The same, naming the script as errors should show it ("exec", "status"...). */
    public Object runText(String text, String name, Map<String, Object> variables) {
        try {
            return evaluate(text, name, variables);
        } finally {
            context.close();
        }
    }

    /** Evaluates text in the running session and keeps it attached (the REPL's way). */
    public Object evaluate(String text, String name, Map<String, Object> variables) {
        variables.forEach(binding::setVariable);
        String scriptName = className(name);
        Script script;
        try {
            script = cache == null ? shell.parse(text, scriptName + ".groovy")
                    : InvokerHelper.createScript(cache.load(text, scriptName, configuration(), ScriptRunner.class.getClassLoader()), binding);
        } catch (MultipleCompilationErrorsException e) {
            throw syntaxError(name, e);
        }
        return execute(script, name);
    }

    private Object execute(Script script, String name) {
        try {
            Object result = script.run();
            context.checkFinished();
            return result;
        } catch (TfixException e) {
            throw failure(e.reason(), name, e, e.getMessage());
        } catch (MissingMethodException e) {
            if (TfixScript.VERBS.contains(e.getMethod())) {
                throw failure(Reason.BAD_INPUT, name, e, "'" + e.getMethod() + "' does not take those arguments: "
                        + usage(e.getMethod()) + " (quote names and addresses)");
            }
            if (e.getType() != null && TfixScript.class.isAssignableFrom(e.getType())) {
                throw failure(Reason.BAD_INPUT, name, e, unknownVerb(e.getMethod()));
            }
            throw failure(Reason.BAD_INPUT, name, e, "'" + e.getMethod() + "' is not part of a tfix statement: "
                    + usage("replace"));
        } catch (MissingPropertyException e) {
            throw failure(Reason.BAD_INPUT, name, e, unknownWord(e.getProperty()));
        } catch (ScriptError e) {
            throw e;
        } catch (RuntimeException e) {
            throw failure(Reason.BAD_INPUT, name, e, e.getClass().getSimpleName() + ": " + e.getMessage());
        } finally {
            context.finished();
        }
    }

    /**
     * The script's class name: prefixed, so a bare verb such as `status` in a script
     * named "status" is not read as the script's own class.
     */
    private static String className(String name) {
        return "tfix_" + name.replaceAll("[^A-Za-z0-9_]", "_");
    }

    /** The error line, with where it happened and what this run left in force: a failure half-way keeps what went before. */
    private ScriptError failure(Reason reason, String name, Throwable cause, String text) {
        int line = lineOf(name, cause);
        String message = where(name, line) + text;
        var kept = context.replacedThisRun();
        if (context.attached() && !kept.isEmpty() && !context.dryRun()) {
            message += " (still replaced by this run: " + String.join(", ", kept) + "; revert() undoes them)";
        }
        return new ScriptError(reason, shownName(name), line, message, cause);
    }

    /** A bare word: a verb that needs more, a name left unquoted, or a misspelt verb. */
    static String unknownWord(String word) {
        if (word.equals("pid")) {
            return unknownVerb(word);
        }
        if (word.equals("revert")) {
            return "revert needs a name or (): revert 'compute', or revert() for everything";
        }
        if (TfixScript.VERBS.contains(word)) {
            return "'" + word + "' needs more: " + usage(word);
        }
        String verb = unknownVerb(word);
        return verb.contains("did you mean") ? verb
                : "'" + word + "' is neither a verb nor a variable: quote names, as in replace 'compute' with 'compute_v2'"
                + " from 'patch.so'";
    }

    static String unknownVerb(String word) {
        if (word.equals("pid")) {
            return "no pid given: pass --pid PID, or write `attach 1234`";
        }
        Optional<String> near = TfixScript.VERBS.stream()
                .min(Comparator.comparingInt(v -> distance(v, word)))
                .filter(v -> distance(v, word) <= Math.max(2, word.length() / 3));
        return "unknown verb '" + word + "'" + near.map(v -> ": did you mean '" + v + "'? " + usage(v)).orElse(
                ": the verbs are " + String.join(", ", TfixScript.VERBS));
    }

    static String usage(String verb) {
        return switch (verb) {
            case "attach" -> "(attach PID)";
            case "replace" -> "(replace 'old' with 'new' from 'patch.so')";
            case "apply" -> "(apply 'fix.so': the replacements the patch lists itself)";
            case "revert" -> "(revert 'old', or revert() for all)";
            case "verify", "status", "detach", "maps", "threads" -> "(" + verb + ")";
            case "transaction" -> "(transaction { replace ...; replace ... })";
            case "plan" -> "(plan { replace ... })";
            case "safety" -> "(safety 'stack')";
            case "expect" -> "(expect buildId: 'HEX', lib: 'libfoo.so')";
            case "disas" -> "(disas 'func', or disas 0xADDRESS, LENGTH)";
            case "symbols" -> "(symbols ~/regex/, or symbols ~/regex/, page: 2, kind: 'variable', lib: 'libfoo.so')";
            case "where" -> "(where 'func')";
            case "peek" -> "(peek 0xADDRESS, LENGTH)";
            default -> "";
        };
    }

    /** The script's name as errors show it, or null for a command's own script (status, verify...). */
    private static String shownName(String name) {
        return name.equals("exec") || name.endsWith(".groovy") || name.equals("repl") ? name : null;
    }

    /** The script line a failure came from, read from its stack; 0 when none. */
    private static int lineOf(String name, Throwable e) {
        String file = className(name);
        for (StackTraceElement el : e.getStackTrace()) {
            if (el.getFileName() != null && el.getFileName().startsWith(file) && el.getLineNumber() > 0) {
                return el.getLineNumber();
            }
        }
        return 0;
    }

    private static String where(String name, int line) {
        String shown = shownName(name);
        return shown == null ? "" : shown + (line > 0 ? ":" + line : "") + ": ";
    }

    private static ScriptError syntaxError(String name, MultipleCompilationErrorsException e) {
        var errors = e.getErrorCollector().getErrors();
        if (!errors.isEmpty() && errors.get(0) instanceof SyntaxErrorMessage sm) {
            var c = sm.getCause();
            String msg = c.getOriginalMessage() == null ? c.getMessage() : c.getOriginalMessage();
            return new ScriptError(Reason.BAD_INPUT, name, c.getLine(), name + ":" + c.getLine() + ": syntax error: "
                    + msg.lines().findFirst().orElse(""), e);
        }
        return new ScriptError(Reason.BAD_INPUT, name, 0, name + ": "
                + e.getMessage().lines().skip(1).findFirst().orElse(e.getMessage()), e);
    }

    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
