package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import tfix.engine.elf.FunctionRef;
import tfix.engine.elf.LoadedModule;
import tfix.engine.testing.CTargets;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/** Attach reads no symbol table; a look-up reads only the files it searches, and finds a name in a later module. */
class LazySymbolsTest {

    @Test
    void attachReadsNoSymbolTableAndLookupsReadOnlyWhatTheySearch() throws Exception {
        Path lib = Targets.patch("libshared.c");
        Path exe = CTargets.compile("libuser.c", CTargets.resource("libuser.c"), "-O1", lib.toString(),
                "-Wl,-rpath," + lib.getParent());
        Engine fresh = Engine.create(); // nothing parsed by another test
        try (RunningTarget t = RunningTarget.startPast("lib_compute=21", exe)) {
            try (TfixSession s = TfixSession.attach(t.pid(), fresh, Options.defaults())) {
                LoadedModule main = s.symbols().moduleByPath(exe.toString()).orElseThrow();
                LoadedModule shared = s.symbols().moduleByPath(lib.toString()).orElseThrow();
                assertTrue(s.symbols().modules().size() >= 3, "libc and the loader are mapped too");
                assertFalse(main.image().symbolsRead() || shared.image().symbolsRead(), "attach parsed a symbol table");
                assertTrue(s.status().isEmpty());
                assertFalse(main.image().symbolsRead() || shared.image().symbolsRead(), "status parsed a symbol table");

                FunctionRef named = s.symbols().resolve(lib.getFileName() + "!lib_compute", null, List.of());
                assertEquals(lib.toString(), named.module().path());
                assertTrue(shared.image().symbolsRead());
                assertFalse(main.image().symbolsRead(), "a look-up in a named library read the executable's symbols");

                FunctionRef later = s.symbols().resolve("lib_compute", null, List.of()); // not in the executable
                assertEquals(lib.toString(), later.module().path());
                assertEquals(named.address(), later.address());
            }
            assertTrue(t.alive());
            assertFalse(t.traced());
        } finally {
            fresh.decoder().close();
        }
    }
}
