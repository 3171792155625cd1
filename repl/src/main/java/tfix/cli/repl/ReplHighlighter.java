package tfix.cli.repl;

import java.util.Set;
import java.util.regex.Pattern;

import org.jline.reader.Highlighter;
import org.jline.reader.LineReader;
import org.jline.utils.AttributedString;
import org.jline.utils.AttributedStringBuilder;
import org.jline.utils.AttributedStyle;
import tfix.cli.repl.Lexer.Token;
import tfix.dsl.TfixScript;

/**
 * Colours the line as it is typed, from the same tokens that decide completeness, so a
 * string left open shows at once: verbs bold, strings green, numbers and addresses
 * yellow, comments dim.
 */
public final class ReplHighlighter implements Highlighter {
    private static final AttributedStyle VERB = AttributedStyle.BOLD.foreground(AttributedStyle.CYAN);
    private static final AttributedStyle KEYWORD = AttributedStyle.DEFAULT.foreground(AttributedStyle.CYAN);
    private static final AttributedStyle COMMAND = AttributedStyle.BOLD;
    private static final AttributedStyle STRING = AttributedStyle.DEFAULT.foreground(AttributedStyle.GREEN);
    private static final AttributedStyle NUMBER = AttributedStyle.DEFAULT.foreground(AttributedStyle.YELLOW);
    private static final AttributedStyle COMMENT = AttributedStyle.DEFAULT.faint();
    /** The words inside verb phrases: `replace 'a' with 'b' from 'p.so'`, `lib:`, `transaction:`. */
    private static final Set<String> KEYWORDS = Set.of("with", "from", "lib", "sha256", "buildId", "transaction");
    private static final Set<String> REPL_WORDS = Set.of("help", "exit", "quit");

    @Override
    public AttributedString highlight(LineReader reader, String buffer) {
        return highlight(buffer);
    }

    public static AttributedString highlight(String buffer) {
        AttributedStringBuilder sb = new AttributedStringBuilder();
        String lead = buffer.stripLeading();
        if (lead.startsWith(":")) {
            int indent = buffer.length() - lead.length();
            int end = lead.indexOf(' ') < 0 ? buffer.length() : indent + lead.indexOf(' ');
            sb.append(buffer.substring(0, indent));
            sb.styled(COMMAND, buffer.substring(indent, end));
            sb.append(buffer.substring(end));
            return sb.toAttributedString();
        }
        boolean first = true;
        for (Token t : Lexer.tokens(buffer)) {
            String text = t.text(buffer);
            AttributedStyle style = switch (t.kind()) {
                case STRING -> STRING;
                case NUMBER -> NUMBER;
                case COMMENT -> COMMENT;
                case WORD -> TfixScript.VERBS.contains(text) ? VERB
                        : KEYWORDS.contains(text) ? KEYWORD
                        : first && REPL_WORDS.contains(text) ? COMMAND : AttributedStyle.DEFAULT;
                default -> AttributedStyle.DEFAULT;
            };
            sb.styled(style, text);
            if (t.kind() != Lexer.Kind.SPACE && t.kind() != Lexer.Kind.COMMENT) {
                first = false;
            }
        }
        return sb.toAttributedString();
    }

    @Override
    public void setErrorPattern(Pattern errorPattern) {
        // Errors are reported after running a line, not while typing it.
    }

    @Override
    public void setErrorIndex(int errorIndex) {
        // As above.
    }
}
