package tfix.engine.patch;

/** One safety check of a plan, with what it found, in words a user can act on. */
public record Check(String name, boolean passed, String detail) {
    public static Check pass(String name, String detail) {
        return new Check(name, true, detail);
    }

    public static Check fail(String name, String detail) {
        return new Check(name, false, detail);
    }

    @Override
    public String toString() {
        return (passed ? "ok   " : "FAIL ") + name + ": " + detail;
    }
}
