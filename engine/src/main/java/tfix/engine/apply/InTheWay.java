package tfix.engine.apply;

/** How tfix words a thread in the way of a write: one wording for the Java check and the native window. */
final class InTheWay {
    private InTheWay() {
    }

    static String executing(int tid, Write w, String where) {
        return String.format("thread %d is executing inside the bytes of %s being replaced (at %s)", tid, w.function(), where);
    }

    static String restarting(int tid, Write w) {
        return String.format("thread %d will re-issue a system call from inside the bytes of %s being replaced",
                tid, w.function());
    }

    static String returning(int tid, Write w, String word) {
        return String.format("thread %d will return into the bytes of %s being replaced (%s)", tid, w.function(), word);
    }

    static String onStack(int tid, Write w, String where) {
        return String.format("thread %d has %s on its stack (%s; safety 'stack')", tid, w.function(), where);
    }

    /** A stack word, as the messages show it. */
    static String word(long value, long place) {
        return String.format("the word %#x at %#x on its stack", value, place);
    }
}
