package tfix.cli.repl;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A small tokenizer for the Groovy that people type at the prompt. It is not a Groovy
 * parser: it only knows enough (strings, comments, numbers, words, brackets) for three
 * jobs that must agree with each other — deciding whether input is complete, colouring
 * it, and finding the word under the cursor for completion.
 */
public final class Lexer {
    public enum Kind { WORD, STRING, NUMBER, COMMENT, SPACE, PUNCT }

    /**
     * One token. For strings, {@code quote} is the opening delimiter (', ", ''', """ or /)
     * and {@code terminated} says whether the closing one was found.
     */
    public record Token(Kind kind, int start, int end, String quote, boolean terminated) {
        public String text(String source) {
            return source.substring(start, end);
        }

        /** The string's content without its quotes (as far as it goes when unterminated). */
        public String content(String source) {
            int from = start + quote.length();
            int to = terminated ? end - quote.length() : end;
            return source.substring(Math.min(from, to), to);
        }
    }

    private Lexer() {
    }

    public static List<Token> tokens(String s) {
        List<Token> out = new ArrayList<>();
        int i = 0;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            int start = i;
            if (Character.isWhitespace(c)) {
                while (i < n && Character.isWhitespace(s.charAt(i))) {
                    i++;
                }
                out.add(new Token(Kind.SPACE, start, i, "", true));
            } else if (s.startsWith("//", i) || (i == 0 && s.startsWith("#!"))) {
                while (i < n && s.charAt(i) != '\n') {
                    i++;
                }
                out.add(new Token(Kind.COMMENT, start, i, "", true));
            } else if (s.startsWith("/*", i)) {
                int close = s.indexOf("*/", i + 2);
                i = close < 0 ? n : close + 2;
                out.add(new Token(Kind.COMMENT, start, i, "/*", close >= 0));
            } else if (c == '\'' || c == '"') {
                String q = s.startsWith(String.valueOf(c).repeat(3), i) ? String.valueOf(c).repeat(3) : String.valueOf(c);
                i = stringEnd(s, i + q.length(), q);
                boolean closed = i >= 0;
                i = closed ? i : (q.length() == 3 ? n : lineEnd(s, start));
                out.add(new Token(Kind.STRING, start, i, q, closed));
            } else if (c == '/' && slashyAllowed(s, out)) {
                i = stringEnd(s, i + 1, "/");
                boolean closed = i >= 0;
                i = closed ? i : lineEnd(s, start);
                out.add(new Token(Kind.STRING, start, i, "/", closed));
            } else if (Character.isDigit(c)) {
                i = numberEnd(s, i);
                out.add(new Token(Kind.NUMBER, start, i, "", true));
            } else if (Character.isJavaIdentifierStart(c)) {
                while (i < n && Character.isJavaIdentifierPart(s.charAt(i))) {
                    i++;
                }
                out.add(new Token(Kind.WORD, start, i, "", true));
            } else {
                out.add(new Token(Kind.PUNCT, start, i + 1, "", true));
                i++;
            }
        }
        return out;
    }

    /** Index just past the closing {@code quote}, or -1. Single-line quotes stop at a newline. */
    private static int stringEnd(String s, int from, String quote) {
        boolean multiLine = quote.length() == 3;
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '\n' && !multiLine) {
                return -1;
            } else if (s.startsWith(quote, i)) {
                return i + quote.length();
            }
        }
        return -1;
    }

    private static int lineEnd(String s, int from) {
        int nl = s.indexOf('\n', from);
        return nl < 0 ? s.length() : nl;
    }

    private static int numberEnd(String s, int i) {
        int n = s.length();
        if (s.startsWith("0x", i) || s.startsWith("0X", i)) {
            i += 2;
            while (i < n && (Character.digit(s.charAt(i), 16) >= 0 || s.charAt(i) == '_')) {
                i++;
            }
        } else {
            while (i < n && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '_'
                    || (s.charAt(i) == '.' && i + 1 < n && Character.isDigit(s.charAt(i + 1))))) {
                i++;
            }
        }
        if (i < n && "lLgGdDfF".indexOf(s.charAt(i)) >= 0) {
            i++;
        }
        return i;
    }

    /**
     * A '/' starts a slashy string (a regex, as in {@code symbols ~/^comp/}) where a value
     * is expected; after a value it is a division.
     */
    private static boolean slashyAllowed(String s, List<Token> before) {
        for (int k = before.size() - 1; k >= 0; k--) {
            Token t = before.get(k);
            if (t.kind() == Kind.SPACE || t.kind() == Kind.COMMENT) {
                continue;
            }
            return t.kind() == Kind.PUNCT && "~(,=[{;:!&|?".contains(t.text(s));
        }
        return true;
    }

    /**
     * Whether the text can be run as it is, or needs more lines: brackets left open, or a
     * triple-quoted string or block comment not closed. Brackets inside strings and comments
     * do not count; a stray closer is left for Groovy to report.
     */
    public static Balance balance(String s) {
        Deque<Character> open = new ArrayDeque<>();
        Token last = null;
        for (Token t : tokens(s)) {
            if (t.kind() == Kind.PUNCT) {
                char c = s.charAt(t.start());
                if ("([{".indexOf(c) >= 0) {
                    open.push(c);
                } else if (")]}".indexOf(c) >= 0 && !open.isEmpty()) {
                    open.pop();
                }
            }
            if (t.kind() != Kind.SPACE) {
                last = t;
            }
        }
        if (last != null && !last.terminated() && (last.quote().length() == 3 || last.quote().equals("/*"))) {
            return new Balance(false, last.quote().equals("/*") ? "*/" : last.quote());
        }
        StringBuilder missing = new StringBuilder();
        for (char c : open) {
            missing.append(c == '(' ? ')' : c == '[' ? ']' : '}');
        }
        return new Balance(missing.isEmpty(), missing.toString());
    }

    /** {@code missing}: the closers still expected, innermost first. */
    public record Balance(boolean complete, String missing) {
    }
}
