package tfix.engine.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** Compiles C test targets with the machine's gcc, once per distinct source and flags. */
public final class CTargets {
    private static final Path DIR = Path.of(System.getProperty("tfix.testBins", "target/test-bins")).toAbsolutePath().normalize();

    private CTargets() {
    }

    /** Compiles {@code source} (C, or C++ when the name ends in .cpp) into a binary or shared object. */
    public static Path compile(String name, String source, String... flags) {
        try {
            Files.createDirectories(DIR);
            boolean cpp = name.endsWith(".cpp");
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(source.getBytes(StandardCharsets.UTF_8));
            for (String f : flags) {
                md.update(f.getBytes(StandardCharsets.UTF_8));
            }
            String base = name.replaceAll("\\.(c|cpp)$", "");
            String hash = HexFormat.of().formatHex(md.digest()).substring(0, 12);
            boolean shared = List.of(flags).contains("-shared");
            Path out = DIR.resolve(base + "-" + hash + (shared ? ".so" : ""));
            if (Files.exists(out)) {
                return out;
            }
            Path src = DIR.resolve(base + "-" + hash + (cpp ? ".cpp" : ".c"));
            Files.writeString(src, source);
            List<String> cmd = new ArrayList<>(List.of(cpp ? "g++" : "gcc", "-g", "-o", out + ".tmp", src.toString()));
            cmd.addAll(List.of(flags));
            if (!shared) {
                cmd.add("-pthread");
            }
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IllegalStateException("compile failed: " + String.join(" ", cmd) + "\n" + log);
            }
            Files.move(Path.of(out + ".tmp"), out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static String resource(String name) {
        try (var in = CTargets.class.getResourceAsStream("/targets/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource targets/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
