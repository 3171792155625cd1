package tfix.engine.failure;

/**
 * Names that come from a target or its record (functions, modules, files) made safe to
 * print: a crafted name could otherwise move the cursor, rewrite the operator's terminal
 * or split one line of output into several. Control characters (C0, DEL, C1) and the
 * Unicode controls that reorder or hide text are shown as escapes. A backslash is left as
 * it is, so escaping twice changes nothing (messages are escaped again when prefixed).
 */
public final class Printable {
    private Printable() {
    }

    public static String of(String name) {
        if (name == null) {
            return "null";
        }
        StringBuilder sb = null;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            String esc = escape(c);
            if (esc != null && sb == null) {
                sb = new StringBuilder(name.length() + 8).append(name, 0, i);
            }
            if (sb != null) {
                if (esc != null) {
                    sb.append(esc);
                } else {
                    sb.append(c);
                }
            }
        }
        return sb == null ? name : sb.toString();
    }

    private static String escape(char c) {
        return switch (c) {
            case '\n' -> "\\n";
            case '\t' -> "\\t";
            case '\r' -> "\\r";
            default -> {
                boolean reorders = (c >= '\u202a' && c <= '\u202e') || (c >= '\u2066' && c <= '\u2069')
                        || c == '\u200e' || c == '\u200f' || c == '\u061c' || c == '\u2028' || c == '\u2029';
                if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
                    yield String.format("\\x%02x", (int) c);
                }
                yield reorders ? String.format("\\u%04x", (int) c) : null;
            }
        };
    }
}
