package tfix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `tfix --include-dir` prints the folder of tfix.h, and a patch compiles against it. */
class IncludeDirTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void printsTheFolderOfTheHeaderAndAPatchCompilesWithIt(@TempDir Path dir) throws Exception {
        CliTest.Result r = CliTest.tfixIn(ROOT, "--include-dir");
        assertEquals(0, r.exit(), r.err());
        Path include = Path.of(r.out().trim());
        assertEquals(ROOT.resolve("include"), include, r.out());
        assertTrue(include.isAbsolute() && Files.isRegularFile(include.resolve("tfix.h")), r.out());

        Path source = dir.resolve("fix.c");
        Files.writeString(source, """
                #include <tfix.h>
                TFIX_EXTERN(int, counter);
                TFIX_EXTERN_FN(int, bonus, (int));
                TFIX_REF_FROM("counter", "scores.c");
                int score_v2(int x) { counter++; return bonus(x); }
                """);
        Process gcc = new ProcessBuilder("gcc", "-shared", "-fPIC", "-I" + include, "-o", dir.resolve("fix.so").toString(),
                source.toString()).redirectErrorStream(true).start();
        String log = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, gcc.waitFor(), log);
        Process readelf = new ProcessBuilder("readelf", "-p", ".tfix.refs", "--dyn-syms", dir.resolve("fix.so").toString())
                .redirectErrorStream(true).start();
        String syms = new String(readelf.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        readelf.waitFor();
        assertTrue(syms.contains("counter scores.c"), syms);
        assertTrue(syms.matches("(?s).*WEAK +DEFAULT +UND counter.*") && syms.matches("(?s).*WEAK +DEFAULT +UND bonus.*"), syms);
    }

    /** Run without the launcher's tfix.home (or with a wrong one), the header is found from tfix's own classes. */
    @Test
    void foundFromTheInstallationWithoutTheLaunchersHome(@TempDir Path elsewhere) throws Exception {
        CliTest.Result r = CliTest.tfixIn(elsewhere, "--include-dir");
        assertEquals(0, r.exit(), r.err());
        assertEquals(ROOT.resolve("include").toString(), r.out().trim());
    }
}
