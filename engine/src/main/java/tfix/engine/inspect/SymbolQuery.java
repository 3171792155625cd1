package tfix.engine.inspect;

import java.util.List;
import java.util.regex.Pattern;

import tfix.engine.elf.SymbolDefinitions;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/**
 * What {@code symbols} lists: names matching {@code pattern} (plain or demangled), of one kind or all (null),
 * in one library or all (null), one page of {@link #PAGE_SIZE} (pages count from 1).
 */
public record SymbolQuery(Pattern pattern, String kind, String library, int page) {
    public static final int PAGE_SIZE = 50;
    /** The kinds a user may ask for, as written in {@code kind: '...'}. */
    public static final List<String> KINDS = List.of("function", "variable", "tls", "ifunc", "other");

    public SymbolQuery {
        if (kind != null && !KINDS.contains(kind)) {
            throw new TfixException(Reason.BAD_INPUT, "symbols: no kind '" + kind + "'; kind: takes "
                    + String.join(", ", KINDS.stream().map(k -> "'" + k + "'").toList()) + " (nothing was listed)");
        }
        if (page < 1) {
            throw new TfixException(Reason.BAD_INPUT, "symbols: page: counts from 1, not " + page);
        }
    }

    public static SymbolQuery of(Pattern pattern) {
        return new SymbolQuery(pattern, null, null, 1);
    }

    /** The kind word of an ELF symbol type, as {@link #KINDS} names it. */
    static String kindOf(int type) {
        return switch (type) {
            case SymbolDefinitions.STT_FUNC -> "function";
            case SymbolDefinitions.STT_OBJECT -> "variable";
            case SymbolDefinitions.STT_TLS -> "tls";
            case SymbolDefinitions.STT_GNU_IFUNC -> "ifunc";
            default -> "other";
        };
    }

    /** How the query reads back, for the hint to the next page. */
    String written(int nextPage) {
        return "symbols ~/" + pattern.pattern() + "/" + (kind != null ? ", kind: '" + kind + "'" : "")
                + (library != null ? ", lib: '" + library + "'" : "") + ", page: " + nextPage;
    }
}
