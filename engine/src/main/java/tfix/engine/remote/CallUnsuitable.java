package tfix.engine.remote;

/** The thread asked to lend itself for a call must not, now; another may. */
final class CallUnsuitable extends RuntimeException {
    CallUnsuitable(String why) {
        super(why, null, false, false);
    }
}
