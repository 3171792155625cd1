package tfix.engine.patch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tfix.engine.elf.ElfImage;
import tfix.engine.elf.Symbol;
import tfix.engine.testing.Targets;
import tfix.engine.x86.BranchScanner;

/**
 * The module-wide branch index against an independent decoder (binutils' objdump, a linear
 * sweep of each code section), on a test target and on real large modules; and how long it
 * takes and how much memory it holds, printed for the record.
 */
class BranchIndexTest {
    private static final Path LIBC = Path.of("/lib/x86_64-linux-gnu/libc.so.6");
    private static final Path REDIS = Path.of("/usr/bin/redis-server");
    private static final Pattern BRANCH = Pattern.compile(
            "^\\s*([0-9a-f]+):\\s+(?:bnd |notrack )?(?:j[a-z]*|call[q]?|loop[a-z]*|xbegin[a-z]*)\\s+([0-9a-f]+)(?: <.*>)?$");
    private static BranchScanner scanner;

    @BeforeAll
    static void open() {
        scanner = new BranchScanner();
    }

    @AfterAll
    static void close() {
        scanner.close();
    }

    @Test
    void findsTheColdPartsJumpBackAndEveryBranchObjdumpFinds() throws Exception {
        Path exe = Targets.exe("cold.c", "-O2");
        ElfImage image = ElfImage.read(exe);
        BranchIndex index = BranchIndex.build(image, scanner);
        Symbol work = image.symbols().stream().filter(s -> s.name().equals("work")).findFirst().orElseThrow();
        Symbol cold = image.symbols().stream().filter(s -> s.name().equals("work.cold")).findFirst().orElseThrow();
        assertEquals(List.of(new BranchIndex.Edge(cold.value() + cold.size() - 5, work.value() + 2)),
                index.into(work.value() + 1, work.value() + 14));
        Set<BranchIndex.Edge> objdump = objdump(exe);
        assertEquals(objdump, all(index), "the index and objdump disagree");
    }

    @Test
    void indexesLibcAndABigProgramAndAgreesWithObjdump() throws Exception {
        for (Path p : List.of(LIBC, REDIS, jvm())) {
            if (!Files.exists(p)) {
                System.out.println("branch index: " + p + " is not installed, not measured");
                continue;
            }
            ElfImage image = ElfImage.read(p);
            System.gc();
            long heapBefore = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
            BranchIndex index = BranchIndex.build(image, scanner);
            long code = image.codeRanges().stream().mapToLong(ElfImage.CodeRange::size).sum();
            System.out.printf("branch index: %s: %.1f MiB of code, %d instructions, %d undecodable bytes, %d direct branches kept, built in %.0f ms,"
                            + " index %.2f MiB (heap grew %.1f MiB while building, the file's bytes excluded)%n", p, code / 1048576.0,
                    index.instructions(), index.undecodedBytes(), index.branches(), index.buildMillis(), index.bytes() / 1048576.0,
                    (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory() - heapBefore) / 1048576.0);
            assertTrue(index.buildMillis() < 60_000, "too slow: " + index.buildMillis() + " ms");
            if (!p.equals(jvm())) {
                Set<BranchIndex.Edge> mine = all(index);
                Set<BranchIndex.Edge> missing = new HashSet<>(objdump(p));
                missing.removeAll(mine);
                assertEquals(Set.of(), missing, p + ": branches objdump finds that the index lacks");
            }
        }
    }

    private static Path jvm() {
        return Path.of(System.getProperty("java.home"), "lib", "server", "libjvm.so");
    }

    private static Set<BranchIndex.Edge> all(BranchIndex index) {
        return new HashSet<>(index.into(0, Long.MAX_VALUE));
    }

    /** objdump -d's direct branches whose targets lie in the file's code, as the index keeps them. */
    private static Set<BranchIndex.Edge> objdump(Path file) throws IOException, InterruptedException {
        ElfImage image = ElfImage.read(file);
        Process p = new ProcessBuilder("objdump", "-d", "--no-show-raw-insn", "-w", file.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        Set<BranchIndex.Edge> out = new HashSet<>();
        long lo = image.codeRanges().stream().mapToLong(ElfImage.CodeRange::vaddr).min().orElse(0);
        long hi = image.codeRanges().stream().mapToLong(r -> r.vaddr() + r.size()).max().orElse(0);
        try (var r = p.inputReader(StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                Matcher m = BRANCH.matcher(line);
                if (m.matches()) {
                    long target = Long.parseUnsignedLong(m.group(2), 16);
                    if (target >= lo && target < hi) {
                        out.add(new BranchIndex.Edge(Long.parseUnsignedLong(m.group(1), 16), target));
                    }
                }
            }
        }
        assertEquals(0, p.waitFor());
        return out;
    }
}
