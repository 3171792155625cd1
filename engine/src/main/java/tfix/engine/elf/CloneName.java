package tfix.engine.elf;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A compiler clone's symbol name taken apart: gcc names a specialised copy of {@code f} {@code f.constprop.0}
 * (constant arguments folded in), {@code f.isra.0} (arguments split or dropped), {@code f.part.0} (the body
 * left after partial inlining), {@code f.lto_priv.0} (a static made unique by LTO), combinations of them
 * ({@code f.isra.0.constprop.0}), and {@code f.cold} / {@code f.constprop.0.cold} for a function's unlikely
 * part, which is no call target: it runs only from its parent.
 *
 * @param source the function the clone was made from ({@code f})
 * @param cold   whether this is a cold part rather than a callable clone
 */
public record CloneName(String name, String source, boolean cold) {
    /** One or more clone suffixes, each with an optional number, at the end of a name. */
    private static final Pattern SUFFIXES = Pattern.compile("((?:\\.(?:constprop|isra|part|lto_priv|cold)(?:\\.\\d+)?)+)$");

    /** The clone a symbol name denotes, or empty for an ordinary name. */
    public static Optional<CloneName> parse(String name) {
        Matcher m = SUFFIXES.matcher(name);
        if (!m.find() || m.start() == 0) {
            return Optional.empty();
        }
        String suffix = m.group(1);
        return Optional.of(new CloneName(name, name.substring(0, m.start()), suffix.matches(".*\\.cold(\\.\\d+)?$")));
    }

    /** Whether {@code name} is a clone (or cold part) of the function named {@code source}. */
    public static boolean isCloneOf(String name, String source) {
        return name.length() > source.length() + 1 && name.startsWith(source + ".")
                && parse(name).map(c -> c.source().equals(source)).orElse(false);
    }

    /** What the compiler did, for a warning: the kinds of change in this clone's name. */
    public String change() {
        StringBuilder sb = new StringBuilder();
        if (name.contains(".constprop")) {
            sb.append("constant arguments dropped (.constprop)");
        }
        if (name.contains(".isra")) {
            sb.append(sb.isEmpty() ? "" : ", ").append("arguments split, passed by value or dropped (.isra)");
        }
        if (name.contains(".part")) {
            sb.append(sb.isEmpty() ? "" : ", ").append("only the part left after partial inlining (.part)");
        }
        return sb.isEmpty() ? "a copy made by the compiler" : sb.toString();
    }
}
