package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/** The engine's layering, read from its sources: each package uses only the layers below it, and no type grows into a god object. */
class ArchitectureTest {
    private static final Path SOURCES = Path.of("src/main/java/tfix/engine");
    private static final Pattern USE = Pattern.compile("tfix\\.engine\\.([a-z0-9]+)\\.[A-Z]");
    /** Lowest first; a package may use only packages listed before it. */
    private static final List<String> LAYERS = List.of("failure", "timing", "service", "sys", "process", "agent", "ptrace", "elf", "x86", "patch",
            "remote", "guard", "record", "prepare", "apply", "inspect", "restart", "engine");
    /** The pure planning layer may not touch a process. */
    private static final Set<String> PURE = Set.of("x86", "patch");

    private static String packageOf(Path file) {
        Path rel = SOURCES.relativize(file.getParent());
        return rel.toString().isEmpty() ? "engine" : rel.toString();
    }

    private static Map<String, Set<String>> uses() throws IOException {
        Map<String, Set<String>> uses = new TreeMap<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String pkg = packageOf(f);
                Set<String> set = uses.computeIfAbsent(pkg, k -> new TreeSet<>());
                Matcher m = USE.matcher(Files.readString(f));
                while (m.find()) {
                    if (!m.group(1).equals(pkg)) {
                        set.add(m.group(1));
                    }
                }
            }
        }
        return uses;
    }

    @Test
    void everyPackageUsesOnlyTheLayersBelowIt() throws IOException {
        List<String> wrong = new ArrayList<>();
        uses().forEach((pkg, used) -> {
            assertTrue(LAYERS.contains(pkg), "package " + pkg + " is not in the layer list of this test");
            for (String u : used) {
                if (LAYERS.indexOf(u) >= LAYERS.indexOf(pkg)) {
                    wrong.add(pkg + " -> " + u);
                }
                if (PURE.contains(pkg) && Set.of("process", "ptrace", "remote", "record", "apply").contains(u)) {
                    wrong.add(pkg + " (pure) -> " + u);
                }
            }
        });
        assertEquals(List.of(), wrong, "dependencies against the layering (a cycle or an upward use)");
    }

    @Test
    void everyPackageSaysWhatItIsFor() throws IOException {
        for (String pkg : uses().keySet()) {
            Path dir = pkg.equals("engine") ? SOURCES : SOURCES.resolve(pkg);
            assertTrue(Files.exists(dir.resolve("package-info.java")), pkg + " has no package-info.java");
        }
    }

    @Test
    void noTypeGrowsPastAboutThreeHundredLines() throws IOException {
        List<String> large = new ArrayList<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                long lines = Files.lines(f).count();
                if (lines > 320) {
                    large.add(SOURCES.relativize(f) + " (" + lines + " lines)");
                }
            }
        }
        assertEquals(List.of(), large, "split these by concern");
    }
}
