package tfix.engine.elf;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;

/**
 * C++ names as written in source, from the platform's own demangler (__cxa_demangle in
 * libstdc++), so tfix reads names exactly as the compiler that made them would print them.
 */
public final class Demangler {
    public interface CxxAbi {
        Pointer __cxa_demangle(String mangled, Pointer buffer, Pointer length, int[] status);
    }

    public interface Free {
        void free(Pointer p);
    }

    private CxxAbi abi;
    private Free libc;
    /** libstdc++ is bound on the first mangled name, not at start: most commands never meet one. */
    private boolean bound;
    private final Map<String, String> cache = new ConcurrentHashMap<>();

    private Demangler() {
    }

    /** A demangler, or one that returns names unchanged when libstdc++ is not installed. */
    public static Demangler load() {
        return new Demangler();
    }

    private synchronized boolean bind() {
        if (!bound) {
            bound = true;
            try {
                CxxAbi a = LibraryLoader.create(CxxAbi.class).load("libstdc++.so.6");
                libc = LibraryLoader.create(Free.class).load("c");
                abi = a;
            } catch (LinkageError | RuntimeException e) {
                abi = null;
            }
        }
        return abi != null;
    }

    public boolean available() {
        return bind();
    }

    /** The source form of a mangled C++ name; empty for names that are not mangled. */
    public Optional<String> demangle(String name) {
        if (!name.startsWith("_Z") || !bind()) {
            return Optional.empty();
        }
        String cached = cache.get(name);
        if (cached != null) {
            return cached.isEmpty() ? Optional.empty() : Optional.of(cached);
        }
        int[] status = new int[1];
        Pointer p = abi.__cxa_demangle(name, null, null, status);
        String result = "";
        if (p != null && status[0] == 0) {
            result = p.getString(0);
            libc.free(p);
        }
        cache.put(name, result);
        return result.isEmpty() ? Optional.empty() : Optional.of(result);
    }

    /** Drops ABI tags and spacing differences: "f[abi:cxx11]() const" reads as "f() const". */
    public static String normalize(String sourceName) {
        return sourceName.replaceAll("\\[abi:[^\\]]*\\]", "").replaceAll("\\s+", " ")
                .replace(" (", "(").replace("( ", "(").replace(" )", ")").replace(", ", ",").trim();
    }
}
