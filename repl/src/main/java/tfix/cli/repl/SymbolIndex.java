package tfix.cli.repl;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Set;

import tfix.engine.elf.Demangler;
import tfix.engine.elf.LoadedModule;
import tfix.engine.elf.ProcessSymbols;
import tfix.engine.elf.Symbol;

/**
 * Function names sorted once, so that completing a prefix is two binary searches even
 * for a process with a hundred thousand symbols; rebuilt only when the process's set of
 * loaded files changes.
 */
public final class SymbolIndex {
    public static final SymbolIndex EMPTY = new SymbolIndex(new String[0]);
    private final String[] names;

    private SymbolIndex(String[] sortedUnique) {
        this.names = sortedUnique;
    }

    public static SymbolIndex of(Collection<String> names) {
        String[] a = names.stream().filter(n -> !n.isEmpty()).toArray(String[]::new);
        Arrays.sort(a);
        int w = 0;
        for (int r = 0; r < a.length; r++) {
            if (w == 0 || !a[r].equals(a[w - 1])) {
                a[w++] = a[r];
            }
        }
        return new SymbolIndex(Arrays.copyOf(a, w));
    }

    /**
     * Every function of the executable and its libraries, plain names and C++ source names;
     * patch libraries ({@code excluded} paths) are left out as the engine's name lookup does.
     */
    public static SymbolIndex of(ProcessSymbols symbols, Set<String> excluded) {
        List<String> all = new ArrayList<>();
        for (LoadedModule m : symbols.modules()) {
            if (!excluded.contains(m.path())) {
                addFunctions(all, m.symbols(), symbols.demangler());
            }
        }
        return of(all);
    }

    /**
     * Adds the names a user can type for each defined function: the plain name, and for a
     * mangled C++ name the source form the engine resolves ("Role::getClassName()").
     */
    static void addFunctions(List<String> out, List<Symbol> symbols, Demangler demangler) {
        for (Symbol s : symbols) {
            if ((!s.isFunction() && s.type() != Symbol.STT_GNU_IFUNC) || s.value() == 0) {
                continue;
            }
            String plain = s.plainName();
            out.add(plain);
            if (demangler != null && plain.startsWith("_Z")) {
                demangler.demangle(plain).ifPresent(d -> out.add(Demangler.normalize(d)));
            }
        }
    }

    public int size() {
        return names.length;
    }

    /**
     * The names starting with {@code prefix}, at most {@code max}. When there are more, the
     * last match is kept in place of the rest: the common prefix of a sorted range is that of
     * its first and last names, so the line editor still extends the word correctly.
     */
    public List<String> complete(String prefix, int max) {
        int from = lowerBound(prefix);
        int to = lowerBound(prefix + Character.MAX_VALUE);
        int count = to - from;
        if (count <= max) {
            return Arrays.asList(names).subList(from, to);
        }
        List<String> out = new ArrayList<>(Arrays.asList(names).subList(from, from + max - 1));
        out.add(names[to - 1]);
        return out;
    }

    /** How many names start with {@code prefix}. */
    public int count(String prefix) {
        return lowerBound(prefix + Character.MAX_VALUE) - lowerBound(prefix);
    }

    private int lowerBound(String key) {
        int lo = 0;
        int hi = names.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (names[mid].compareTo(key) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
