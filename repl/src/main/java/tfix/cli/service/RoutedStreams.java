package tfix.cli.service;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * System.out and System.err of the service, sent to the client whose command the current thread runs (and the
 * threads it started): the commands print to System.out as they do in their own JVM, and many run at once.
 * A thread of no command prints to the service's own streams (its log).
 */
final class RoutedStreams {
    /** The streams of one command. */
    record Pair(PrintStream out, PrintStream err) {
    }

    private static final InheritableThreadLocal<Pair> CURRENT = new InheritableThreadLocal<>();
    private static PrintStream serviceOut;
    private static PrintStream serviceErr;

    private RoutedStreams() {
    }

    /** Once, at the service's start; returns the service's own stderr (for its log). */
    static synchronized PrintStream install() {
        if (serviceOut == null) {
            serviceOut = System.out;
            serviceErr = System.err;
            System.setOut(new PrintStream(new Router(false), true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(new Router(true), true, StandardCharsets.UTF_8));
        }
        return serviceErr;
    }

    static void enter(Pair streams) {
        CURRENT.set(streams);
    }

    static void leave() {
        CURRENT.remove();
    }

    private static final class Router extends OutputStream {
        private final boolean err;

        Router(boolean err) {
            this.err = err;
        }

        private PrintStream target() {
            Pair p = CURRENT.get();
            return p == null ? (err ? serviceErr : serviceOut) : (err ? p.err() : p.out());
        }

        @Override
        public void write(int b) {
            target().write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            target().write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            target().flush();
        }
    }
}
