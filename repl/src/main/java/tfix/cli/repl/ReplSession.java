package tfix.cli.repl;

import tfix.dsl.TfixContext;

/**
 * The session's one {@link TfixContext}, and the promise that goes with it: the target ends
 * detached and running however the session ends, the JVM being told to stop included.
 */
final class ReplSession {
    private final TfixContext ctx;
    private final Console console;
    private final Thread hook = new Thread(this::closeOnExit, "tfix-repl-detach");

    ReplSession(TfixContext ctx, Console console) {
        this.ctx = ctx;
        this.console = console;
    }

    TfixContext context() {
        return ctx;
    }

    /** Detach even when the JVM is stopped from outside (SIGTERM, SIGHUP when the terminal goes away). */
    void detachOnJvmExit() {
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** The end of the session: detaches, and the JVM's stop needs nothing more done. */
    void close() {
        closeContext();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // Already shutting down: the hook runs and finds nothing left to do.
        }
    }

    private synchronized void closeContext() {
        try {
            ctx.close();
        } catch (RuntimeException e) {
            console.error(e.getMessage(), e);
        }
    }

    private void closeOnExit() {
        try {
            ctx.cancel();
        } catch (RuntimeException e) {
            // Detaching below is what matters.
        }
        closeContext();
    }
}
