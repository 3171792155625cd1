package tfix.cli.repl;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.jline.reader.CompletingParsedLine;
import org.jline.reader.EOFError;
import org.jline.reader.ParsedLine;
import org.jline.reader.Parser;
import org.jline.reader.SyntaxError;
import tfix.cli.repl.Lexer.Kind;
import tfix.cli.repl.Lexer.Token;

/**
 * Tells JLine two things: whether Enter ends the input (not while a block or string is
 * open: it then asks for a continuation line), and what the word under the cursor is and
 * what it stands for (a verb, a function of the process, a patch function, a file), so
 * completion offers the right names and inserts them quoted as Groovy needs.
 */
public final class ReplParser implements Parser {
    /** What the word being completed is. */
    public enum Context { VERB, SYMBOL, REVERT, PATCH_SYMBOL, FILE, HELP, COMMAND, NONE }

    private static final Set<String> SYMBOL_VERBS = Set.of("replace", "disas", "where");

    @Override
    public ParsedLine parse(String line, int cursor, ParseContext context) throws SyntaxError {
        if ((context == ParseContext.ACCEPT_LINE || context == ParseContext.SECONDARY_PROMPT) && !isReplCommand(line)) {
            Lexer.Balance b = Lexer.balance(line);
            if (!b.complete()) {
                throw new EOFError(-1, -1, "incomplete input", b.missing());
            }
        }
        return at(line, cursor);
    }

    /** `:load`, `help`...: REPL commands, not Groovy, are never continued. */
    static boolean isReplCommand(String line) {
        String t = line.strip();
        return t.startsWith(":") || t.equals("help") || t.startsWith("help ");
    }

    /** The word that ends at the cursor and its context. */
    public static Line at(String line, int cursor) {
        String before = line.substring(0, cursor);
        String lead = before.stripLeading();
        if (lead.startsWith(":")) {
            return replCommand(line, cursor, before.length() - lead.length(), lead);
        }
        List<Token> tokens = Lexer.tokens(before);
        Token last = tokens.isEmpty() ? null : tokens.get(tokens.size() - 1);
        char quote = 0;
        String word = "";
        int rawStart = cursor;
        int wordToken = tokens.size();
        if (last != null && last.end() == cursor) {
            if (last.kind() == Kind.STRING && !last.terminated() && last.quote().length() == 1 && !last.quote().equals("/")) {
                quote = last.quote().charAt(0);
                word = last.content(before);
                rawStart = last.start();
                wordToken = tokens.size() - 1;
            } else if (last.kind() == Kind.WORD) {
                word = last.text(before);
                rawStart = last.start();
                wordToken = tokens.size() - 1;
            } else if (last.kind() != Kind.SPACE && last.kind() != Kind.PUNCT) {
                // Right after a closed string, a number or inside a comment: nothing to complete.
                return new Line(line, cursor, "", cursor, (char) 0, false, Context.NONE, words(before, tokens, ""));
            }
        }
        boolean closedAfter = quote != 0 && cursor < line.length() && line.charAt(cursor) == quote;
        Context ctx = context(before, tokens, wordToken, quote != 0);
        return new Line(line, cursor, word, rawStart, quote, closedAfter, ctx, words(before, tokens.subList(0, wordToken), word));
    }

    private static Context context(String s, List<Token> tokens, int wordToken, boolean quoted) {
        List<Token> prev = new ArrayList<>();
        boolean newline = false;
        for (int k = wordToken - 1; k >= 0 && prev.size() < 2; k--) {
            Token t = tokens.get(k);
            if (t.kind() == Kind.SPACE || t.kind() == Kind.COMMENT) {
                newline |= prev.isEmpty() && t.text(s).contains("\n");
                continue;
            }
            prev.add(t);
        }
        if (prev.isEmpty() || newline || (prev.get(0).kind() == Kind.PUNCT && ";{}".contains(prev.get(0).text(s)))) {
            return quoted ? Context.NONE : Context.VERB;
        }
        Token p = prev.get(0);
        // `replace('comp` reads like `replace 'comp`.
        if (p.kind() == Kind.PUNCT && p.text(s).equals("(") && prev.size() > 1) {
            p = prev.get(1);
        }
        if (p.kind() != Kind.WORD) {
            return Context.NONE;
        }
        String w = p.text(s);
        if (SYMBOL_VERBS.contains(w)) {
            return Context.SYMBOL;
        }
        if (w.equals("revert")) {
            return Context.REVERT;
        }
        if (w.equals("with")) {
            return Context.PATCH_SYMBOL;
        }
        if (w.equals("from")) {
            return Context.FILE;
        }
        if (w.equals("help") && first(tokens) == p) {
            return Context.HELP;
        }
        return Context.NONE;
    }

    private static Token first(List<Token> tokens) {
        return tokens.stream().filter(t -> t.kind() != Kind.SPACE && t.kind() != Kind.COMMENT).findFirst().orElse(null);
    }

    /** `:load some/path` (no quotes) or the command name itself. */
    private static Line replCommand(String line, int cursor, int indent, String lead) {
        int space = lead.indexOf(' ');
        if (space < 0) {
            return new Line(line, cursor, lead, indent, (char) 0, false, Context.COMMAND, List.of(lead));
        }
        String cmd = lead.substring(0, space);
        String arg = lead.substring(space).stripLeading();
        int argStart = cursor - arg.length();
        Context ctx = cmd.equals(":load") ? Context.FILE : Context.NONE;
        return new Line(line, cursor, arg, argStart, (char) 0, false, ctx, List.of(cmd, arg));
    }

    private static List<String> words(String s, List<Token> tokens, String current) {
        List<String> out = new ArrayList<>();
        for (Token t : tokens) {
            if (t.kind() != Kind.SPACE && t.kind() != Kind.COMMENT) {
                out.add(t.kind() == Kind.STRING ? t.content(s) : t.text(s));
            }
        }
        out.add(current);
        return out;
    }

    /**
     * The parsed line. The raw word starts at the opening quote when there is one, so that
     * {@link #escape} can put back the quote and, for a complete name, the closing one.
     */
    public static final class Line implements CompletingParsedLine {
        private final String line;
        private final int cursor;
        private final String word;
        private final int rawStart;
        private final char quote;
        private final boolean closedAfter;
        private final Context context;
        private final List<String> words;

        Line(String line, int cursor, String word, int rawStart, char quote, boolean closedAfter, Context context,
             List<String> words) {
            this.line = line;
            this.cursor = cursor;
            this.word = word;
            this.rawStart = rawStart;
            this.quote = quote;
            this.closedAfter = closedAfter;
            this.context = context;
            this.words = words;
        }

        public Context context() {
            return context;
        }

        /** The quote the word is inside, or 0. */
        public char quote() {
            return quote;
        }

        /** The string's closing quote is already there, right after the cursor. */
        public boolean closedAfter() {
            return closedAfter;
        }

        /** Groovy needs names and paths quoted; `:load` arguments, verbs and help topics are bare. */
        private boolean quoting() {
            return quote != 0 || ((context == Context.SYMBOL || context == Context.REVERT || context == Context.PATCH_SYMBOL
                    || context == Context.FILE) && !isReplCommand(line));
        }

        @Override
        public CharSequence escape(CharSequence candidate, boolean complete) {
            if (!quoting()) {
                return candidate;
            }
            char q = quote != 0 ? quote : '\'';
            String body = candidate.toString().replace("\\", "\\\\").replace(String.valueOf(q), "\\" + q);
            if (q == '"') {
                body = body.replace("$", "\\$");
            }
            return q + body + (complete && !closedAfter ? String.valueOf(q) : "");
        }

        @Override
        public int rawWordCursor() {
            return cursor - rawStart;
        }

        @Override
        public int rawWordLength() {
            return cursor - rawStart;
        }

        @Override
        public String word() {
            return word;
        }

        @Override
        public int wordCursor() {
            return word.length();
        }

        @Override
        public int wordIndex() {
            return words.size() - 1;
        }

        @Override
        public List<String> words() {
            return words;
        }

        @Override
        public String line() {
            return line;
        }

        @Override
        public int cursor() {
            return cursor;
        }
    }
}
