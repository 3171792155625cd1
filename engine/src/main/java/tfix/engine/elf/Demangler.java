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

    private final CxxAbi abi;
    private final Free libc;
    private final Map<String, String> cache = new ConcurrentHashMap<>();

    private Demangler(CxxAbi abi, Free libc) {
        this.abi = abi;
        this.libc = libc;
    }

    /** A demangler, or one that returns names unchanged when libstdc++ is not installed. */
    public static Demangler load() {
        try {
            CxxAbi abi = LibraryLoader.create(CxxAbi.class).load("libstdc++.so.6");
            Free free = LibraryLoader.create(Free.class).load("c");
            return new Demangler(abi, free);
        } catch (LinkageError | RuntimeException e) {
            return new Demangler(null, null);
        }
    }

    public boolean available() {
        return abi != null;
    }

    /** The source form of a mangled C++ name; empty for names that are not mangled. */
    public Optional<String> demangle(String name) {
        if (abi == null || !name.startsWith("_Z")) {
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
