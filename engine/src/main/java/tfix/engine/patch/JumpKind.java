package tfix.engine.patch;

/** How the old entry reaches the new function. */
public enum JumpKind {
    /** e9 rel32: 5 bytes, the new function within ±2 GiB. */
    REL32(5),
    /** ff 25 00000000 + 8-byte address: 14 bytes, reaches anywhere and changes no register. */
    ABS64(14);

    public final int length;

    JumpKind(int length) {
        this.length = length;
    }

    public String label() {
        return this == REL32 ? "jmp rel32" : "jmp [rip] absolute";
    }
}
