package tfix.engine.x86;

/** The forms of an unconditional jump, shortest first. */
public enum JumpKind {
    /** eb rel8: 2 bytes, the target within ±127 bytes. */
    SHORT(2),
    /** e9 rel32: 5 bytes, the target within ±2 GiB. */
    REL32(5),
    /** ff 25 00000000 + 8-byte address: 14 bytes, reaches anywhere and changes no register. */
    ABS64(14);

    public final int length;

    JumpKind(int length) {
        this.length = length;
    }

    public String label() {
        return switch (this) {
            case SHORT -> "jmp rel8";
            case REL32 -> "jmp rel32";
            case ABS64 -> "jmp [rip] absolute";
        };
    }
}
