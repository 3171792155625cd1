package tfix.engine.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tfix.engine.testing.CTargets;

/** Symbol tables kept on disk: used again for the same file, never for another user's, a damaged or a changed one. */
class ElfSymbolStoreTest {
    @TempDir
    Path tmp;

    private final AtomicInteger parses = new AtomicInteger();

    private List<Symbol> symbols(ElfSymbolStore store, Path file) {
        ElfImage img = ElfImage.read(file);
        Supplier<List<Symbol>> parse = () -> {
            parses.incrementAndGet();
            return SymbolTables.functions(img.parsed());
        };
        return store.symbols(img.buildId().orElseThrow(), FileIdentity.of(file).orElseThrow(), parse);
    }

    private Path library(String name, String body) throws Exception {
        Path built = CTargets.compile(name + ".c", body, "-shared", "-fPIC", "-Wl,--build-id");
        Path copy = tmp.resolve(name + ".so");
        Files.copy(built, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return copy;
    }

    private Path entry(ElfSymbolStore store, Path file) {
        ElfImage img = ElfImage.read(file);
        return store.entryFor(img.buildId().orElseThrow(), FileIdentity.of(file).orElseThrow());
    }

    @Test
    void aStoredTableIsUsedAgainAndEqualsTheParsedOne() throws Exception {
        Path lib = library("store_a", "int alpha(int x) { return x + 1; }\nstatic int beta(int x) { return x * 2; }\n"
                + "int gamma(int x) { return beta(x); }\n");
        ElfSymbolStore store = ElfSymbolStore.at(tmp.resolve("cache"));
        List<Symbol> first = symbols(store, lib);
        assertEquals(1, parses.get());
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("cache"))));
        List<Symbol> again = symbols(store, lib);
        assertEquals(1, parses.get(), "the stored table was not used");
        assertEquals(first, again);
        assertTrue(again.stream().anyMatch(s -> s.plainName().equals("beta") && s.table().equals(".symtab")), again.toString());
    }

    @Test
    void anEntryOfAnotherUserOrWritableByOthersIsIgnored() throws Exception {
        Path lib = library("store_b", "int alpha(int x) { return x + 1; }\n");
        ElfSymbolStore store = ElfSymbolStore.at(tmp.resolve("cache"));
        List<Symbol> first = symbols(store, lib);
        Path e = entry(store, lib);
        Files.setAttribute(e, "unix:uid", 65534); // written by nobody (the tests run as root)
        assertEquals(first, symbols(store, lib));
        assertEquals(2, parses.get(), "another user's entry was read");
        assertEquals(0, (int) Files.getAttribute(e, "unix:uid"), "the parsed table was stored again, as this user's");
        Files.setPosixFilePermissions(e, PosixFilePermissions.fromString("rw-rw-rw-"));
        assertEquals(first, symbols(store, lib));
        assertEquals(3, parses.get(), "an entry writable by others was read");
        Files.setPosixFilePermissions(tmp.resolve("cache"), PosixFilePermissions.fromString("rwxrwxrwx"));
        assertEquals(first, symbols(store, lib));
        assertEquals(4, parses.get(), "a folder writable by others was used");
    }

    @Test
    void aDamagedOrForeignEntryIsIgnoredAndRebuilt() throws Exception {
        Path lib = library("store_c", "int alpha(int x) { return x + 1; }\nint delta(int x) { return x - 1; }\n");
        Path other = library("store_d", "int omega(int x) { return x + 9; }\n");
        ElfSymbolStore store = ElfSymbolStore.at(tmp.resolve("cache"));
        List<Symbol> first = symbols(store, lib);
        Path e = entry(store, lib);
        byte[] b = Files.readAllBytes(e);
        b[b.length / 2] ^= 0x5a;
        Files.write(e, b);
        assertEquals(first, symbols(store, lib));
        assertEquals(2, parses.get(), "a damaged entry was read");
        assertEquals(first, symbols(store, lib));
        assertEquals(2, parses.get(), "the rebuilt entry was not used");

        symbols(store, other);
        Files.copy(entry(store, other), e, java.nio.file.StandardCopyOption.REPLACE_EXISTING); // well formed, another file's
        List<Symbol> got = symbols(store, lib);
        assertEquals(first, got);
        assertFalse(got.stream().anyMatch(s -> s.plainName().equals("omega")));
        assertEquals(4, parses.get(), "another file's entry was taken for this one");
    }

    @Test
    void aFileChangedInPlaceMissesTheStore() throws Exception {
        Path lib = library("store_e", "int alpha(int x) { return x + 1; }\n");
        ElfSymbolStore store = ElfSymbolStore.at(tmp.resolve("cache"));
        symbols(store, lib);
        Files.setLastModifiedTime(lib, java.nio.file.attribute.FileTime.fromMillis(1_000_000)); // same inode, new times
        symbols(store, lib);
        assertEquals(2, parses.get(), "a file with new times was served the old entry");
        Path built = CTargets.compile("store_e2.c", "int alpha(int x) { return x + 2; }\nint epsilon(void) { return 5; }\n",
                "-shared", "-fPIC");
        Path incoming = tmp.resolve("incoming.so");
        Files.copy(built, incoming);
        Files.move(incoming, lib, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        List<Symbol> now = symbols(store, lib); // same path, a new inode
        assertEquals(3, parses.get());
        assertTrue(now.stream().anyMatch(s -> s.plainName().equals("epsilon")), now.toString());
    }
}
