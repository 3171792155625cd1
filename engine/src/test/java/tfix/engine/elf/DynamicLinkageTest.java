package tfix.engine.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import tfix.engine.testing.Targets;

/** Reading what a patch needs and what a library offers, versions included, from real files gcc made. */
class DynamicLinkageTest {
    static DynamicLinkage libc() {
        Path libc = Stream.of("/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib64/libc.so.6", "/lib64/libc.so.6")
                .map(Path::of).filter(Files::exists).findFirst().orElseThrow();
        return ElfImage.read(libc).linkage();
    }

    @Test
    void aPatchsNeedsCarryTheirVersionsAndWeakness() {
        DynamicLinkage patch = ElfImage.read(Targets.patch("marking_patch.c")).linkage();
        DynamicLinkage.Need write = patch.needs().stream().filter(n -> n.name().equals("write")).findFirst().orElseThrow();
        assertTrue(write.version().startsWith("GLIBC_") && write.versionFile().equals("libc.so.6"), write.toString());
        assertFalse(write.weak());
        assertTrue(patch.needs().stream().anyMatch(n -> n.name().equals("__gmon_start__") && n.weak()), patch.needs().toString());
        assertTrue(patch.needed().contains("libc.so.6"), patch.needed().toString());
        assertTrue(patch.exports().containsKey("tiny_v2"));
        assertTrue(libc().satisfies(write), "libc defines " + write.describe());
    }

    @Test
    void versionsMatchAsTheLoaderMatchesThem() {
        DynamicLinkage libc = libc();
        assertEquals("libc.so.6", libc.soname());
        assertTrue(libc.satisfies(new DynamicLinkage.Need("memcpy", null, null, false)), "the default version serves an unversioned need");
        assertFalse(libc.satisfies(new DynamicLinkage.Need("write", "GLIBC_9.99", "libc.so.6", false)), "no such version");
        assertFalse(libc.satisfies(new DynamicLinkage.Need("tfix_nowhere_defined", null, null, false)));
    }
}
