package tfix.engine.elf;

/**
 * A C++ name split as a user means it: the qualified name, its parameter list (null when not written) and the
 * qualifiers after it (const, volatile, &, &&). Spacing next to punctuation is dropped first, so
 * "f(char const *)" and "f(char const*)", "vector<int>>" and "vector<int> >" read alike; a function template
 * instance's return type ("void Foo::bar<int>(int)") is no part of its name.
 */
record SourceName(String name, String parameters, String qualifiers) {

    /** Parses a name already through {@link Demangler#normalize}. */
    static SourceName parse(String normalized) {
        String s = compact(normalized);
        String quals = "";
        String rest = s;
        while (true) { // qualifiers after the parameter list, innermost last: ") const&"
            String q = trailingQualifier(rest);
            if (q == null) {
                break;
            }
            quals = q + (quals.isEmpty() ? "" : " " + quals);
            rest = rest.substring(0, rest.length() - q.length()).stripTrailing();
        }
        if (!rest.endsWith(")")) {
            return new SourceName(s, null, ""); // no parameter list: qualifier-like endings belong to the name
        }
        int open = matchingOpen(rest);
        String name = open < 0 ? rest : rest.substring(0, open);
        if (open < 0 || name.isEmpty() || endsWithWord(name, "operator")) {
            // "Foo::operator()" is the call operator's name, without a parameter list
            return quals.isEmpty() ? new SourceName(rest, null, "") : new SourceName(s, null, "");
        }
        return new SourceName(withoutReturnType(name), rest.substring(open), quals);
    }

    /** Whether this (a candidate, from the demangler) is what {@code query} (the user's) names. */
    boolean namedBy(SourceName query) {
        if (query.name.isEmpty() || !name.equals(query.name)) {
            return false;
        }
        if (query.parameters == null) {
            return true; // every overload
        }
        return query.parameters.equals(parameters) && (query.qualifiers.isEmpty() || query.qualifiers.equals(qualifiers));
    }

    private static String trailingQualifier(String s) {
        for (String q : new String[] {"const", "volatile", "&&", "&"}) {
            if (s.endsWith(q) && s.length() > q.length()) {
                char before = s.charAt(s.length() - q.length() - 1);
                boolean word = Character.isLetter(q.charAt(0));
                if (before == ')' || before == ' ' && word || !word && before != '&') {
                    String head = s.substring(0, s.length() - q.length()).stripTrailing();
                    if (head.endsWith(")") || trailingQualifier(head) != null) {
                        return q;
                    }
                }
            }
        }
        return null;
    }

    /** The index of the '(' that opens the parameter list closed by the last ')'; -1 if unbalanced. */
    private static int matchingOpen(String s) {
        int depth = 0;
        for (int i = s.length() - 1; i >= 0; i--) {
            char c = s.charAt(i);
            if (c == ')') {
                depth++;
            } else if (c == '(' && --depth == 0) {
                return i;
            }
        }
        return -1;
    }

    /** Only function template instances demangle with a return type: "void f<int>" is "f<int>". */
    private static String withoutReturnType(String name) {
        if (!name.endsWith(">")) {
            return name;
        }
        int depth = 0;
        for (int i = name.length() - 1; i >= 0; i--) {
            char c = name.charAt(i);
            if (c == '>' || c == ')') {
                depth++;
            } else if (c == '<' || c == '(') {
                depth--;
            } else if (c == ' ' && depth == 0 && !endsWithWord(name.substring(0, i), "operator")) {
                return name.substring(i + 1);
            }
        }
        return name;
    }

    private static boolean endsWithWord(String s, String word) {
        return s.endsWith(word) && (s.length() == word.length() || !isIdentifier(s.charAt(s.length() - word.length() - 1)));
    }

    /** Drops whitespace unless it separates two words ("unsigned long", "operator int", ") const" stays readable). */
    static String compact(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != ' ') {
                out.append(c);
                continue;
            }
            char next = i + 1 < s.length() ? s.charAt(i + 1) : ' ';
            char prev = out.isEmpty() ? ' ' : out.charAt(out.length() - 1);
            if ((isIdentifier(prev) || prev == ')') && isIdentifier(next)) {
                out.append(' ');
            }
        }
        return out.toString();
    }

    private static boolean isIdentifier(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '~';
    }
}
