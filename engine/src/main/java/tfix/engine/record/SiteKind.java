package tfix.engine.record;

/**
 * What a recorded site is: the jump at a function's entry, one module's import-table entry
 * (8 bytes of data: the function's address as that module sees it), or one direct call or
 * jump of a caller retargeted (for a function too short to hold a jump itself).
 */
public enum SiteKind {
    JUMP("jump"), IMPORT("import"), CALLER("caller");

    private final String word;

    SiteKind(String word) {
        this.word = word;
    }

    /** How the record spells it. */
    public String word() {
        return word;
    }

    static SiteKind parse(String word, int line) {
        for (SiteKind k : values()) {
            if (k.word.equals(word)) {
                return k;
            }
        }
        throw RecordFields.damaged(line, "a site kind '" + word + "', not jump, import or caller");
    }
}
