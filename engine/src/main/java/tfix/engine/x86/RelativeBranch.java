package tfix.engine.x86;

/**
 * A direct branch read from its bytes: which form it is (jmp, call, j<cc>, or one with only a rel8 form such as
 * loop and jrcxz), and its condition code. Branch hints and bnd prefixes are dropped when it is written anew
 * (they change nothing it does); any other prefix makes it a branch tfix does not rewrite.
 */
record RelativeBranch(Form form, int cc, int opcode) {
    enum Form { JMP, CALL, JCC, REL8_ONLY, UNKNOWN }

    static RelativeBranch read(byte[] b) {
        int p = 0;
        while (p < b.length - 1 && (b[p] == 0x2e || b[p] == 0x3e || (b[p] & 0xff) == 0xf2)) {
            p++;
        }
        int op = b[p] & 0xff;
        int rest = b.length - p;
        if (op == 0xeb && rest == 2 || op == 0xe9 && rest == 5) {
            return new RelativeBranch(Form.JMP, 0, op);
        }
        if (op == 0xe8 && rest == 5) {
            return new RelativeBranch(Form.CALL, 0, op);
        }
        if (op >= 0x70 && op <= 0x7f && rest == 2) {
            return new RelativeBranch(Form.JCC, op & 0xf, op);
        }
        if (op == 0x0f && rest == 6 && (b[p + 1] & 0xf0) == 0x80) {
            return new RelativeBranch(Form.JCC, b[p + 1] & 0xf, op);
        }
        if (op >= 0xe0 && op <= 0xe3 && rest == 2 && p == 0) {
            return new RelativeBranch(Form.REL8_ONLY, 0, op);
        }
        return new RelativeBranch(Form.UNKNOWN, 0, op);
    }

    /** Bytes it takes when aimed at a place within a rel32's reach. */
    int nearLength() {
        return switch (form) {
            case JMP, CALL -> 5;
            case JCC -> 6;
            default -> 2;
        };
    }

    /** Bytes it takes when aimed anywhere (see {@link CodeWriter#callAbsolute} and {@link CodeWriter#jccAbsolute}). */
    int farLength() {
        return form == Form.JMP ? JumpKind.ABS64.length : 16;
    }
}
