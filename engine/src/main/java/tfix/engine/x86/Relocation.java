package tfix.engine.x86;

/** What relocating instructions came to: the code for its new place, or the one line saying why it cannot be made. */
public record Relocation(byte[] code, String refusal) {
    public static Relocation of(byte[] code) {
        return new Relocation(code, null);
    }

    public static Relocation refused(String why) {
        return new Relocation(new byte[0], why);
    }

    public boolean ok() {
        return refusal == null;
    }
}
