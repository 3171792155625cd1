package tfix.engine.elf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import tfix.engine.testing.Bounded;
import tfix.engine.testing.Targets;

/**
 * The ELF reader on mutated real files (a patch and a program gcc built): truncated, bytes
 * flipped, header counts and offsets made huge. An image or one TfixException line, never
 * another exception or a hang. jqwik has no @TempDir: the files go to a folder under the
 * build's target/, deleted after the properties.
 */
class ElfFuzzTest {
    private static final Duration LIMIT = Duration.ofSeconds(10);
    private static byte[] patch, program;
    private static Path dir;

    @BeforeContainer
    static void build() throws IOException {
        patch = Files.readAllBytes(Targets.patch("scorer_patch.c"));
        program = Files.readAllBytes(Targets.exe("scorer.c"));
        dir = Files.createDirectories(Path.of("target", "elf-fuzz")).toAbsolutePath();
    }

    @AfterContainer
    static void clean() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    static void read(byte[] bytes) throws IOException {
        Path f = Files.write(dir.resolve("mutant.so"), bytes);
        Bounded.parse(() -> {
            ElfImage image = ElfImage.read(f);
            image.symbols();
            image.buildId();
            image.symbolStarts();
            image.relocationOffsets();
            image.stringSymbol("tfix_target_build_id");
            return image;
        }, LIMIT);
    }

    static byte[] base(boolean useProgram) {
        return (useProgram ? program : patch).clone();
    }

    @Property(tries = 150, seed = "15")
    void truncated(@ForAll boolean useProgram, @ForAll @IntRange(min = 0, max = 100_000) int keep) throws IOException {
        byte[] b = base(useProgram);
        read(Arrays.copyOf(b, keep % (b.length + 1)));
    }

    @Property(tries = 120, seed = "15")
    void flippedBytes(@ForAll boolean useProgram, @ForAll @Size(min = 1, max = 16) List<@IntRange(min = 0) Integer> at,
                      @ForAll byte with) throws IOException {
        byte[] b = base(useProgram);
        for (int i : at) {
            // half the flips in the headers, where a count or an offset steers the reader
            int pos = i % 2 == 0 ? i % 64 : i % b.length;
            b[pos] ^= (byte) (with == 0 ? 0xff : with);
        }
        read(b);
    }

    /** e_phoff, e_shoff, e_phnum, e_shnum, e_shstrndx, e_phentsize, e_shentsize set to extreme values. */
    @Property(tries = 150, seed = "15")
    void hugeCountsAndOffsets(@ForAll boolean useProgram, @ForAll @IntRange(min = 0, max = 6) int field,
                              @ForAll long value) throws IOException {
        byte[] b = base(useProgram);
        ByteBuffer h = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        switch (field) {
            case 0 -> h.putLong(0x20, value);
            case 1 -> h.putLong(0x28, value);
            case 2 -> h.putShort(0x38, (short) (value | 0x8000));
            case 3 -> h.putShort(0x3c, (short) (value | 0x8000));
            case 4 -> h.putShort(0x3e, (short) value);
            case 5 -> h.putShort(0x36, (short) value);
            default -> h.putShort(0x3a, (short) value);
        }
        read(b);
    }
}
