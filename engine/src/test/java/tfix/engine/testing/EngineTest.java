package tfix.engine.testing;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import tfix.engine.TfixSession;

/** Base of tests that attach sessions: one engine (libc binding, decoder, ELF cache) per class. */
public abstract class EngineTest {
    protected static TfixSession.Engine engine;

    @BeforeAll
    static void createEngine() {
        engine = TfixSession.Engine.create();
    }

    @AfterAll
    static void closeEngine() {
        engine.decoder().close();
    }

    protected static TfixSession attach(RunningTarget t) {
        return TfixSession.attach(t.pid(), engine, TfixSession.Options.defaults());
    }
}
