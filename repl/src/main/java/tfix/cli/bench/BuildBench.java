package tfix.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import tfix.patchgen.BuildRequest;
import tfix.patchgen.PatchBuilder;

/**
 * `tfix build` on a generated program (FILES files of FUNCTIONS functions, a Makefile) with a one-line diff:
 * the whole path (copy, dry run, build with the recording wrapper, two assembler compiles, comparison, proof
 * against the binary, assembly and link), timed per run.
 */
final class BuildBench extends Bench {
    static final int FILES = 20;
    static final int FUNCTIONS = 50;

    BuildBench(BenchCommand bench) {
        super(bench);
    }

    @Override
    void run() throws Exception {
        Path src = tools().dir().resolve("buildsrc");
        Files.createDirectories(src);
        StringBuilder main = new StringBuilder("#include <stdio.h>\nint f07_010(int x);\nint main(void)\n{\n"
                + "    printf(\"%d\\n\", f07_010(1));\n    return 0;\n}\n");
        Files.writeString(src.resolve("main.c"), main.toString());
        StringBuilder objects = new StringBuilder("main.o");
        for (int f = 0; f < FILES; f++) {
            StringBuilder c = new StringBuilder("static int calls;\n\n");
            for (int i = 0; i < FUNCTIONS; i++) {
                c.append(String.format("int f%02d_%03d(int x)%n{%n    calls++;%n    return x * %d + %d;%n}%n%n", f, i, f + 2, i));
            }
            Files.writeString(src.resolve(String.format("f%02d.c", f)), c.toString());
            objects.append(String.format(" f%02d.o", f));
        }
        Files.writeString(src.resolve("Makefile"), "CFLAGS = -O2 -g\n\nprog: " + objects + "\n\t$(CC) $(CFLAGS) -o $@ $^\n");
        Path diff = tools().write("build.diff", "--- a/f07.c\n+++ b/f07.c\n@@ -63,7 +63,7 @@\n int f07_010(int x)\n {\n"
                + "     calls++;\n-    return x * 9 + 10;\n+    return x * 9 + 11;\n }\n \n int f07_011(int x)\n");
        make(src);
        List<Double> times = new ArrayList<>();
        for (int r = 0; r < bench.runs(); r++) {
            Path out = tools().dir().resolve("build-out-" + r);
            long t0 = System.nanoTime();
            new PatchBuilder(new BuildRequest(src, diff, src.resolve("prog"), out, "make -B", null, "gcc", "g++", false, false),
                    line -> { }).run();
            times.add((System.nanoTime() - t0) / 1e6);
        }
        System.out.println("tfix build, " + FILES + " files of " + FUNCTIONS + " functions, a one-line diff:");
        bench.row("tfix build: " + (FILES + 1) + " files, " + FILES * FUNCTIONS + " functions, one changed", Stats.ms(times), "");
    }

    private static void make(Path src) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("make", "-s").directory(src.toFile()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException("make failed for the build benchmark: " + log);
        }
    }
}
