package tfix.engine.inspect;

/** One frame of a backtrace: the place the thread is or returns to, and how that was found. */
record Frame(long pc, Source source) {
    enum Source {
        /** The thread's instruction pointer. */
        CURRENT,
        /** A return address along a validated frame-pointer chain. */
        FRAME_POINTER,
        /** A stack word that points just after a call instruction: likely, not certain. */
        GUESS
    }

    /** The address inside the calling instruction: a call that ends its function returns to the next one's start. */
    long caller() {
        return source == Source.CURRENT ? pc : pc - 1;
    }

    boolean guess() {
        return source == Source.GUESS;
    }
}
