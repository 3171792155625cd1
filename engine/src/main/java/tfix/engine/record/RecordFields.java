package tfix.engine.record;

import java.util.HexFormat;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/**
 * Checked reading of the record's fields. The record lives in the target, whose owner can
 * write anything there: every field is bounded and checked, and anything else is a
 * {@link Reason#RECORD} failure naming the line, never a raw exception.
 */
final class RecordFields {
    /** Lowest address of the kernel's half: sites, targets, islands and slots lie below it. */
    static final long USER_TOP = 0x0000_8000_0000_0000L;
    /** Longest code a record entry may hold (a jump with the instructions it covers is well under this). */
    static final int MAX_BYTES = 64;
    /** Longest name or path kept in the record. */
    static final int MAX_NAME = 4096;

    private RecordFields() {
    }

    static TfixException damaged(int line, String what) {
        return new TfixException(Reason.RECORD, "the patch record in the process is damaged (line " + line + ": " + what
                + "): tfix will not act on it; restart the process to clear its patches");
    }

    static int positiveInt(String s, int line, String what) {
        int v = nonNegativeInt(s, line, what);
        if (v == 0) {
            throw damaged(line, what + " is 0");
        }
        return v;
    }

    static int nonNegativeInt(String s, int line, String what) {
        if (s.isEmpty() || s.length() > 10 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw damaged(line, what + " is not a number");
        }
        long v = Long.parseLong(s);
        if (v > Integer.MAX_VALUE) {
            throw damaged(line, what + " is too large");
        }
        return (int) v;
    }

    static long time(String s, int line) {
        if (s.isEmpty() || s.length() > 18 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw damaged(line, "the time is not a number");
        }
        return Long.parseLong(s);
    }

    static long hex(String s, int line, String what) {
        if (s.isEmpty() || s.length() > 16 || !s.chars().allMatch(RecordFields::isHex)) {
            throw damaged(line, what + " is not a hex number");
        }
        return Long.parseUnsignedLong(s, 16);
    }

    /** An address a user process can map: above 0, below the kernel's half. */
    static long userAddress(String s, int line, String what) {
        long v = hex(s, line, what);
        if (v <= 0 || v >= USER_TOP) {
            throw damaged(line, what + " " + s + " is outside user space");
        }
        return v;
    }

    static long userAddressOrZero(String s, int line, String what) {
        return s.equals("0") ? 0 : userAddress(s, line, what);
    }

    static byte[] code(String s, int line, String what) {
        if (s.isEmpty() || s.length() > 2 * MAX_BYTES || s.length() % 2 != 0 || !s.chars().allMatch(RecordFields::isHex)) {
            throw damaged(line, what + " is not 1 to " + MAX_BYTES + " bytes of hex");
        }
        return HexFormat.of().parseHex(s);
    }

    static String name(String s, int line, String what) {
        if (s.length() > 2 * MAX_NAME) {
            throw damaged(line, what + " is longer than " + MAX_NAME + " characters");
        }
        String v = unescape(s);
        if (v.length() > MAX_NAME) {
            throw damaged(line, what + " is longer than " + MAX_NAME + " characters");
        }
        return v;
    }

    static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n");
    }

    private static String unescape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                sb.append(n == 'n' ? '\n' : n == 't' ? '\t' : n);
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static boolean isHex(int c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
}
