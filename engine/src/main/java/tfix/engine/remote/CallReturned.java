package tfix.engine.remote;

/** A call's result, and each argument's value (a buffer's address, to read what the function wrote there). */
record CallReturned(long value, long[] arguments) {
}
