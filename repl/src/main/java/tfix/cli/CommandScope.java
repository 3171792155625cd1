package tfix.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import tfix.dsl.ScriptRunner;
import tfix.engine.Engine;
import tfix.engine.elf.RecentlyUsed;

/**
 * What one command runs with that a JVM gives only once: its working folder, its engine, who runs it. A command
 * line run alone uses the JVM's own; the resident service ({@code tfix service}) runs many commands at once, each
 * with the client's folder, and shares one warm engine (parsed ELF files, branch indexes) and compiled scripts
 * between them. Threads a command starts inherit its scope.
 */
public final class CommandScope {
    /** A command run by the service: the client's folder, the shared engine and script cache, whether --debug. */
    public record Scope(Path cwd, Engine engine, RecentlyUsed<ScriptRunner.Compiled> scripts, String service,
                        boolean debug) {
    }

    private static final InheritableThreadLocal<Scope> CURRENT = new InheritableThreadLocal<>();

    private CommandScope() {
    }

    public static void enter(Scope scope) {
        CURRENT.set(scope);
    }

    public static void leave() {
        CURRENT.remove();
    }

    static boolean inService() {
        return CURRENT.get() != null;
    }

    /** The folder relative paths resolve against. */
    static Path cwd() {
        Scope s = CURRENT.get();
        return s == null ? Path.of("").toAbsolutePath() : s.cwd();
    }

    /** A path the user gave, against the client's folder in the service (the command line's own otherwise). */
    public static Path resolve(Path path) {
        return inService() ? cwd().resolve(path) : path;
    }

    public static Engine engine() {
        Scope s = CURRENT.get();
        return s == null ? Engine.create() : s.engine();
    }

    /** Compiled once per text in the service (a script run again compiles in no time); each time otherwise. */
    static ScriptRunner.Compiled compile(String text, String name) {
        Scope s = CURRENT.get();
        if (s == null) {
            return ScriptRunner.compile(text, name);
        }
        return s.scripts().computeIfAbsent(name + "\0" + sha256(text), k -> ScriptRunner.compile(text, name));
    }

    /** Who runs this command, for --debug ("run by ...") and --json ("ranBy"). */
    public static String ranBy() {
        return inService() ? "service" : "cli";
    }

    static String ranByLine() {
        Scope s = CURRENT.get();
        return s == null ? "run by this tfix process (no service)" : "run by " + s.service();
    }

    /** Whether engine DEBUG lines belong on this thread's stderr (the service serves commands with and without). */
    static boolean debugHere() {
        Scope s = CURRENT.get();
        return s == null || s.debug();
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
