package tfix.dsl;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import groovy.lang.GroovyClassLoader;
import groovy.lang.GroovySystem;
import groovy.lang.Script;
import org.codehaus.groovy.control.CompilationUnit;
import org.codehaus.groovy.control.CompilerConfiguration;
import org.codehaus.groovy.control.Phases;
import org.codehaus.groovy.tools.GroovyClass;
import tfix.engine.sys.PrivateFolder;

/**
 * Compiled scripts kept on disk, so a command line run again does not load and run Groovy's compiler (most of a
 * cold exec). Keyed by the SHA-256 of the script text, its class name, the Groovy version and the identity of
 * tfix's own code (location, size, time), so a rebuilt tfix never runs an old compilation. The folder is the
 * user's ({@code $TFIX_SCRIPT_CACHE}, else {@code $XDG_CACHE_HOME/tfix/scripts}, else {@code ~/.cache/tfix/scripts};
 * {@code TFIX_SCRIPT_CACHE=off} for none), made 0700; what is loaded from it is code, so a folder or file not
 * owned by this user, or writable by others, or a link, is not used. Failing to read or write the cache never
 * fails the command: it compiles as before.
 */
public final class ScriptCache {
    private static final String MAGIC = "tfix compiled script 1";
    /** Entries kept: scripts naming a pid differ every run, so without a bound the folder would only grow. */
    static final int KEPT = 256;
    private final Path dir;

    private ScriptCache(Path dir) {
        this.dir = dir;
    }

    public static ScriptCache at(Path dir) {
        return new ScriptCache(dir);
    }

    public static ScriptCache standard() {
        String env = System.getenv("TFIX_SCRIPT_CACHE");
        if (env != null && env.equals("off")) {
            return new ScriptCache(null);
        }
        if (env != null && env.startsWith("/")) {
            return new ScriptCache(Path.of(env));
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && xdg.startsWith("/") ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return new ScriptCache(base.resolve("tfix").resolve("scripts"));
    }

    /** The script's class: loaded from the cache, or compiled (and kept) when it is not there. */
    @SuppressWarnings("unchecked")
    Class<? extends Script> load(String text, String className, CompilerConfiguration config, ClassLoader parent) {
        Path file = dir == null ? null : dir.resolve(key(text, className) + ".classes");
        Map<String, byte[]> classes = file == null ? null : read(file);
        if (classes == null) {
            classes = compile(text, className, config, parent);
            if (file != null) {
                write(file, classes);
            }
        }
        try {
            return (Class<? extends Script>) new Loader(parent, classes).loadClass(className);
        } catch (ClassNotFoundException | LinkageError e) {
            // A damaged entry: compile afresh, as without a cache.
            return (Class<? extends Script>) new Loader(parent, compile(text, className, config, parent)).loadClass0(className);
        }
    }

    /** Every class the script compiles to (closures and classes it declares are classes of their own). */
    private static Map<String, byte[]> compile(String text, String className, CompilerConfiguration config, ClassLoader parent) {
        CompilationUnit unit = new CompilationUnit(config, null, new GroovyClassLoader(parent, config));
        unit.addSource(className + ".groovy", text);
        unit.compile(Phases.CLASS_GENERATION);
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (GroovyClass c : unit.getClasses()) {
            out.put(c.getName(), c.getBytes());
        }
        return out;
    }

    private static String key(String text, String className) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((MAGIC + "\0" + GroovySystem.getVersion() + "\0" + codeIdentity() + "\0" + className + "\0")
                    .getBytes(StandardCharsets.UTF_8));
            sha.update(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Where tfix's classes come from, with that file's size and time: changes whenever tfix is rebuilt. */
    private static String codeIdentity() {
        try {
            URL url = TfixScript.class.getResource("TfixScript.class");
            var conn = url.openConnection();
            return url + " " + conn.getContentLengthLong() + " " + conn.getLastModified();
        } catch (IOException | RuntimeException e) {
            return "unknown " + System.nanoTime(); // never matches a stored entry
        }
    }

    private Map<String, byte[]> read(Path file) {
        try {
            if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS) || !PrivateFolder.trusted(dir) || !PrivateFolder.trusted(file)) {
                return null;
            }
            try (DataInputStream in = new DataInputStream(Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS))) {
                if (!in.readUTF().equals(MAGIC)) {
                    return null;
                }
                int n = in.readInt();
                if (n <= 0 || n > 10_000) {
                    return null;
                }
                Map<String, byte[]> classes = new LinkedHashMap<>();
                for (int i = 0; i < n; i++) {
                    String name = in.readUTF();
                    int len = in.readInt();
                    if (len <= 0 || len > 64 << 20) {
                        return null;
                    }
                    classes.put(name, in.readNBytes(len));
                }
                return classes;
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private void write(Path file, Map<String, byte[]> classes) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeUTF(MAGIC);
                out.writeInt(classes.size());
                for (Map.Entry<String, byte[]> c : classes.entrySet()) {
                    out.writeUTF(c.getKey());
                    out.writeInt(c.getValue().length);
                    out.write(c.getValue());
                }
            }
            if (PrivateFolder.replace(dir, file.getFileName().toString(), bytes.toByteArray())) {
                prune();
            }
        } catch (IOException | RuntimeException e) {
            // Not cached: the next run compiles again.
        }
    }

    /** Removes the oldest entries beyond {@link #KEPT}. */
    private void prune() throws IOException {
        List<Path> all = entries();
        if (all.size() <= KEPT) {
            return;
        }
        all.sort(java.util.Comparator.comparing(p -> {
            try {
                return Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS);
            } catch (IOException e) {
                return java.nio.file.attribute.FileTime.fromMillis(0);
            }
        }));
        for (Path p : all.subList(0, all.size() - KEPT)) {
            Files.deleteIfExists(p);
        }
    }


    /** Defines the script's classes from their bytes, asking tfix's loader for everything else. */
    private static final class Loader extends ClassLoader {
        private final Map<String, byte[]> classes;

        Loader(ClassLoader parent, Map<String, byte[]> classes) {
            super(parent);
            this.classes = new LinkedHashMap<>(classes);
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            byte[] b = classes.remove(name);
            if (b == null) {
                throw new ClassNotFoundException(name);
            }
            return defineClass(name, b, 0, b.length);
        }

        Class<?> loadClass0(String name) {
            try {
                return loadClass(name);
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("compiled script has no class " + name, e);
            }
        }
    }

    /** For tests: the entries kept. */
    List<Path> entries() throws IOException {
        List<Path> out = new ArrayList<>();
        if (dir != null && Files.isDirectory(dir)) {
            try (var s = Files.list(dir)) {
                s.filter(p -> p.toString().endsWith(".classes")).forEach(out::add);
            }
        }
        return out;
    }
}
