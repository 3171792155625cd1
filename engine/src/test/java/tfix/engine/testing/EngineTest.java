package tfix.engine.testing;

import java.nio.file.Path;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import tfix.engine.Engine;
import tfix.engine.Options;
import tfix.engine.TfixSession;

/** Base of tests that attach sessions: one engine (libc binding, decoder, ELF cache) per class. */
public abstract class EngineTest {
    protected static Engine engine;

    /** What a test does with a running target and one session attached to it. */
    @FunctionalInterface
    protected interface Live {
        void run(RunningTarget t, TfixSession s) throws Exception;
    }

    @BeforeAll
    static void createEngine() {
        engine = Engine.create();
    }

    @AfterAll
    static void closeEngine() {
        engine.decoder().close();
    }

    protected static TfixSession attach(RunningTarget t) {
        return TfixSession.attach(t.pid(), engine, Options.defaults());
    }

    /**
     * Starts {@code exe}, waits for its line {@code first}, runs {@code body} in one session,
     * detaches, then checks the target with {@code after}; the target is stopped at the end.
     */
    protected static void live(Path exe, String first, Live body, Consumer<RunningTarget> after) throws Exception {
        live(RunningTarget.startPast(first, exe), Options.defaults(), body, after);
    }

    /** The same for a target already started, with a session of the given options. */
    protected static void live(RunningTarget target, Options options, Live body, Consumer<RunningTarget> after)
            throws Exception {
        try (RunningTarget t = target) {
            try (TfixSession s = TfixSession.attach(t.pid(), engine, options)) {
                body.run(t, s);
            }
            after.accept(t);
        }
    }
}
