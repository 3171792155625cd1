package tfix.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import tfix.dsl.ScriptError;
import tfix.dsl.TfixContext;
import tfix.engine.failure.TfixException;

/** Shared by the commands: the context, and turning failures into one line and an exit code. */
final class Cli {
    private Cli() {
    }

    /** `pid` for the script, when --pid was given. */
    static Map<String, Object> pidBinding(Integer pid) {
        Map<String, Object> vars = new HashMap<>();
        if (pid != null) {
            vars.put("pid", pid);
        }
        return vars;
    }

    static TfixContext context(Main.Common common, Path baseDir) {
        return new TfixContext(CommandScope.engine(), common.options(), System.out, baseDir);
    }

    interface Body {
        void run() throws Exception;
    }

    static int guard(boolean debug, Body body) {
        if (debug) {
            DebugLog.enable();
            System.err.println("tfix debug: " + CommandScope.ranByLine());
        }
        try {
            body.run();
            return 0;
        } catch (ScriptError | TfixException e) {
            fail(debug, e.getMessage(), e);
            return 1;
        } catch (Exception e) {
            fail(debug, e.getClass().getSimpleName() + ": " + e.getMessage() + " (run with --debug for details)", e);
            return 1;
        } catch (Error e) {
            // The body's try-with-resources has closed the session by now: the target is detached.
            fail(debug, errorLine(e), e);
            return 1;
        }
    }

    /** An Error in one line that names it and what to do; the trace is for --debug. */
    static String errorLine(Error e) {
        String name = e.getClass().getSimpleName();
        String remedy;
        if (e instanceof StackOverflowError) {
            remedy = "the script recursed too deeply (a function calling itself without end?): make it a loop, or give"
                    + " tfix a larger stack (JAVA_TOOL_OPTIONS=-Xss64m)";
        } else if (e instanceof OutOfMemoryError) {
            remedy = "tfix ran out of memory" + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")")
                    + ": give it more (JAVA_TOOL_OPTIONS=-Xmx2g) or make the script hold less";
        } else {
            remedy = (e.getMessage() == null ? "" : e.getMessage() + ": ") + "an internal failure of tfix or of its"
                    + " Java runtime: please report it with the trace";
        }
        return name + ": " + remedy + "; any process the script was attached to is let go, with the changes already"
                + " made in place (--debug shows the trace)";
    }

    static void fail(boolean debug, String message, Throwable e) {
        PrintStream err = System.err;
        err.println("tfix: " + OptionHints.withHint(message, e));
        if (debug) {
            e.printStackTrace(err);
        }
    }
}
