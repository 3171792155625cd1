package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tfix.engine.elf.ElfImage;
import tfix.engine.elf.FunctionRef;
import tfix.engine.elf.LoadedModule;
import tfix.engine.elf.Symbol;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.patch.ReplaceSpec;
import tfix.engine.testing.CTargets;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/**
 * Issue 13: symbols from where distributions keep them. A stripped module's static functions are named by its
 * debug package (/usr/lib/debug/.build-id), its .gnu_debuglink file (build-id and CRC checked) or its MiniDebugInfo;
 * an IFUNC is replaced in the implementation the process bound; code no symbol describes is named by address
 * with {@code length:}.
 */
class DebugFilesTest extends EngineTest {
    private static final Path DL_USER = Targets.exe("dl_user.c", "-ldl");
    private static final Path HIDDEN_PATCH = Targets.patch("libhidden_patch.c");
    private static final Path SIN_PATCH = Targets.patch("ifunc_sin_patch.c");
    private static final String HEX = "0x\\p{XDigit}+";

    @TempDir
    Path dir;

    private static Path sinUser() {
        return Targets.exe("ifunc_sin.c", "-lm", "-Wl,-z,lazy");
    }

    /** libhidden built with -g (its .symtab names hidden_scale); VARIANT 2 is another build with another build-id. */
    private static Path hidden(int variant) {
        return Targets.patch("libhidden.c", "-DVARIANT=" + variant);
    }

    private static void run(Path in, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(in.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
    }

    /** The library as a distribution ships it: every symbol but the dynamic ones stripped. */
    private Path stripped(Path full, String sub) throws Exception {
        Path d = Files.createDirectories(dir.resolve(sub));
        Path lib = d.resolve("libhidden.so");
        run(d, "strip", "--strip-all", "-o", lib.toString(), full.toString());
        return lib;
    }

    private static LoadedModule module(TfixSession s, Path file) {
        return s.symbols().modules().stream().filter(m -> m.path().equals(file.toString())).findFirst().orElseThrow();
    }

    private static Symbol hiddenScale(Path full) {
        return ElfImage.read(full).symbols().stream().filter(x -> x.plainName().equals("hidden_scale")).findFirst().orElseThrow();
    }

    @Test
    void staticLibcFunctionFromTheDebugPackageIsFoundDisassembledAndPlanned() throws Exception {
        live(sinUser(), "^sin=0\\.479$", (t, s) -> {
            LoadedModule libc = s.symbols().modules().stream().filter(m -> m.fileName().startsWith("libc.so")).findFirst().orElseThrow();
            String id = libc.image().buildId().orElseThrow();
            Path debug = Path.of("/usr/lib/debug/.build-id", id.substring(0, 2), id.substring(2) + ".debug");
            assertTrue(Files.isRegularFile(debug), "no " + debug + ": libc6-dbg for this libc is not installed (test.sh installs it)");
            assertTrue(libc.image().symbols().stream().noneMatch(x -> x.plainName().equals("_int_malloc")),
                    "libc.so.6 itself has no symbol for its static _int_malloc");

            FunctionRef f = s.symbols().resolve("_int_malloc", null, Set.of());
            assertEquals(libc, f.module());
            assertTrue(f.symbol().isLocal() && f.size() > 1000, f.toString());
            assertTrue(libc.debug().notes().contains("symbols from debug file " + debug + " (build-id " + id + ", "
                    + libc.debug().notes().get(0).replaceAll(".*, (\\d+ functions\\))$", "$1")), libc.debug().notes().toString());

            List<String> disas = s.inspect(i -> i.disassemble("_int_malloc"));
            assertTrue(disas.get(0).strip().startsWith(String.format("%#014x", f.address())), disas.get(0));
            assertTrue(disas.size() > 200, "3756 bytes of code: " + disas.size() + " instructions");
            List<String> listed = s.inspect(i -> i.symbols(Pattern.compile("^_int_malloc$")));
            // A count, then one row: the static function, named from the debug file.
            List<String> rows = listed.stream().filter(l -> l.endsWith(" libc.so.6!_int_malloc")).toList();
            assertEquals(1, rows.size(), listed.toString());
            assertTrue(rows.get(0).contains("static function"), rows.get(0));

            String plan = s.describe(s.plan(List.of(new ReplaceSpec("_int_malloc", "libc.so.6", "sin_v2", SIN_PATCH, null))).get(0));
            assertTrue(plan.startsWith(String.format("_int_malloc at %#x (%s)%n  -> sin_v2", f.address(), libc.path())), plan);
            assertTrue(plan.contains("ok   bytes: match " + libc.path()), plan);
            assertTrue(plan.contains("ok   symbols"), plan);
            assertEquals("sin=0.479", t.output().get(t.output().size() - 1), "the target runs on, unchanged");
        }, ScenarioTest::assertLetGo);
    }

    @Test
    void ifuncIsReplacedInTheImplementationTheProcessBoundThenReverted() throws Exception {
        live(sinUser(), "^sin=0\\.479$", (t, s) -> {
            // sin was called once: the PLT slot is bound
            ReplaceSpec spec = ReplaceSpec.of("sin", "sin_v2", SIN_PATCH);
            String plan = s.describe(s.plan(List.of(spec)).get(0));
            var m = Pattern.compile("(?s)(__sin_\\w+) at (" + HEX + ") \\(\\S*libm\\.so\\.6\\)\n  -> sin_v2 .*\n  ok   ifunc: sin is an IFUNC;"
                    + " the process bound (__sin_\\w+) \\(libm\\.so\\.6\\+(" + HEX + ")\\): replacing that; the GOT slots that say so:"
                    + " ifunc_sin-\\w+ at " + HEX + ", libm\\.so\\.6 IRELATIVE at " + HEX + "\n.*").matcher(plan);
            assertTrue(m.matches(), plan);
            String impl = m.group(1);
            assertEquals(impl, m.group(3));
            FunctionRef named = s.symbols().resolve(impl, "libm", Set.of());
            assertEquals(Long.decode(m.group(2)), named.address(), "the implementation is the one its own name gives");
            assertEquals(named.address() - named.module().bias(), Long.decode(m.group(4)));

            Results.Replaced r = s.replace(spec);
            assertTrue(r.toString().contains("replaced " + impl + " with sin_v2"), r.toString());
            t.awaitLine("^sin=42\\.000$");
            assertTrue(s.verify().get(0).ok());
            s.revert(impl); // by the implementation's name, as status shows it
            t.awaitLine("^sin=0\\.479$");
            assertTrue(s.status().isEmpty());
        }, ScenarioTest::assertLetGo);
    }

    @Test
    void ifuncBoundByTheDefiningModulesOwnIrelativeSlotIsNamed() throws Exception {
        live(sinUser(), "^sin=0\\.479$", (t, s) -> { // the target never calls memchr; libc's own calls are bound at load
            String plan = s.describe(s.plan(List.of(new ReplaceSpec("memchr", "libc.so.6", "sin_v2", SIN_PATCH, null))).get(0));
            var m = Pattern.compile("(?s)(__memchr_\\w+) at (" + HEX + ") \\(\\S*libc\\.so\\.6\\)\n.*\n  ok   ifunc: memchr is an IFUNC;"
                    + " the process bound (__memchr_\\w+) \\(libc\\.so\\.6\\+" + HEX + "\\): replacing that; the GOT slots? that says? so:"
                    + " (.*, )?libc\\.so\\.6 IRELATIVE at " + HEX + "(, .*)?\n.*").matcher(plan);
            assertTrue(m.matches(), plan);
            assertEquals(m.group(1), m.group(3));
            assertEquals(Long.decode(m.group(2)), s.symbols().resolve(m.group(1), "libc.so.6", Set.of()).address());
        }, ScenarioTest::assertLetGo);
    }

    /** libifunc's twice, imported lazily by the executable and by libifunc_user; its resolver picks differently each time. */
    private static Path twiceUser() {
        Path lib = Targets.patch("libifunc.c");
        Path user = Targets.patch("libifunc_user.c", lib.toString(), "-Wl,-z,lazy");
        return CTargets.compile("ifunc_twice.c", CTargets.resource("ifunc_twice.c"), "-O1", "-Wl,-z,lazy", user.toString(),
                lib.toString(), "-Wl,-rpath," + lib.getParent());
    }

    @Test
    void ifuncNoCallerHasBoundYetIsRefused() throws Exception {
        live(RunningTarget.start(twiceUser(), "idle"), Options.defaults(), (t, s) -> {
            TfixException e = assertThrows(TfixException.class, () -> s.plan(List.of(ReplaceSpec.of("twice", "sin_v2", SIN_PATCH))));
            assertEquals(Reason.UNSAFE_SITE, e.reason());
            assertTrue(e.getMessage().matches("'twice' is an IFUNC \\(.*\\), and no caller has bound it yet \\(lazy binding happens at"
                    + " its first call; unbound GOT slots: (ifunc_twice-\\w+|libifunc_user-\\w+\\.so) at " + HEX + ", (ifunc_twice-\\w+"
                    + "|libifunc_user-\\w+\\.so) at " + HEX + "\\): tfix cannot tell which implementation the process will run; .*"),
                    e.getMessage());
            assertFalse(Targets.mapsMention(t.pid(), "ifunc_sin_patch"), "nothing was loaded");
        }, ScenarioTest::assertLetGo);
    }

    @Test
    void ifuncCallersBoundToDifferentImplementationsAreRefused() throws Exception {
        live(RunningTarget.startPast("^twice=101 user=201$", twiceUser()), Options.defaults(), (t, s) -> {
            TfixException e = assertThrows(TfixException.class, () -> s.plan(List.of(ReplaceSpec.of("twice", "sin_v2", SIN_PATCH))));
            assertEquals(Reason.UNSAFE_SITE, e.reason());
            assertTrue(e.getMessage().matches("'twice' is an IFUNC \\(.*\\) and its callers bound different implementations:"
                    + " impl_a\\+0x0 \\(libifunc-\\w+\\.so\\) in ifunc_twice-\\w+ at " + HEX + "; impl_b\\+0x0 \\(libifunc-\\w+\\.so\\)"
                    + " in libifunc_user-\\w+\\.so at " + HEX + "; replace each implementation by name or address"), e.getMessage());
            assertEquals("twice=101 user=201", t.output().get(t.output().size() - 1), "unchanged");
        }, ScenarioTest::assertLetGo);
    }

    @Test
    void miniDebugInfoNamesTheStaticFunctionOfAStrippedLibrary() throws Exception {
        Path full = hidden(1);
        Path lib = stripped(full, "mini");
        Path d = lib.getParent();
        // As Fedora makes it: the symbol table of the debug file, xz-compressed into .gnu_debugdata.
        run(d, "objcopy", "--only-keep-debug", full.toString(), "full.debug");
        run(d, "objcopy", "--strip-debug", "--remove-section=.comment", "full.debug", "mini.debug");
        run(d, "xz", "--keep", "mini.debug");
        run(d, "objcopy", "--add-section", ".gnu_debugdata=mini.debug.xz", lib.toString());
        live(RunningTarget.startPast("^lib_compute=11$", DL_USER, lib.toString()), Options.defaults(), (t, s) -> {
            LoadedModule m = module(s, lib);
            assertTrue(m.image().symbols().stream().noneMatch(x -> x.plainName().equals("hidden_scale")), "stripped");
            FunctionRef f = s.symbols().resolve("hidden_scale", null, Set.of());
            assertEquals(m.bias() + hiddenScale(full).value(), f.address());
            assertTrue(m.debug().notes().get(0).startsWith("symbols from " + lib + " .gnu_debugdata (MiniDebugInfo"), m.debug().notes().toString());

            s.replace(ReplaceSpec.of("hidden_scale", "hidden_scale_v2", HIDDEN_PATCH));
            t.awaitLine("^lib_compute=1004$");
            s.revertAll();
            t.awaitLine("^lib_compute=11$");

            // A patch's reference to the library's static variable is bound from the MiniDebugInfo's data symbols.
            assertTrue(m.image().definitions().named("offset").isEmpty(), "the stripped file itself does not define offset");
            s.replace(ReplaceSpec.of("hidden_scale", "hidden_scale_v3", Targets.patch("libhidden_refs_patch.c", ReferencesTest.INCLUDE)));
            t.awaitLine("^lib_compute=2005$");
            s.revertAll();
            t.awaitLine("^lib_compute=11$");
        }, ScenarioTest::assertLetGo);
    }

    @Test
    void debugLinkFileCountsOnlyWithTheModulesBuildIdAndItsCrc() throws Exception {
        Path full = hidden(1);
        List<String> seen = new ArrayList<>();
        for (String kind : List.of("right", "other build", "changed")) {
            Path lib = stripped(full, kind.replace(' ', '_'));
            Path debug = Files.createDirectories(lib.resolveSibling(".debug")).resolve("libhidden.so.debug");
            run(lib.getParent(), "objcopy", "--only-keep-debug", full.toString(), debug.toString());
            run(lib.getParent(), "objcopy", "--add-gnu-debuglink=" + debug, lib.toString()); // name and CRC of the right file
            if (kind.equals("other build")) {
                run(lib.getParent(), "objcopy", "--only-keep-debug", hidden(2).toString(), debug.toString());
            } else if (kind.equals("changed")) {
                Files.write(debug, new byte[] {0}, StandardOpenOption.APPEND); // same build-id, another CRC
            }
            live(RunningTarget.startPast("^lib_compute=11$", DL_USER, lib.toString()), Options.defaults(), (t, s) -> {
                List<String> notes = module(s, lib).debug().notes();
                if (kind.equals("right")) {
                    assertEquals(List.of("symbols from debug file " + debug + " (build-id " + ElfImage.read(full).buildId().orElseThrow()
                            + ", 2 functions)"), notes.stream().map(n -> n.replaceAll("\\d+ functions", "2 functions")).toList());
                    assertEquals(module(s, lib).bias() + hiddenScale(full).value(),
                            s.symbols().resolve("hidden_scale", null, Set.of()).address());
                    return;
                }
                TfixException e = assertThrows(TfixException.class, () -> s.symbols().resolve("hidden_scale", null, Set.of()));
                assertEquals(Reason.NOT_FOUND, e.reason());
                String why = kind.equals("other build")
                        ? Pattern.quote("its build-id " + ElfImage.read(hidden(2)).buildId().orElseThrow() + " is not the module's ("
                                + ElfImage.read(full).buildId().orElseThrow() + ")")
                        : "its CRC32 \\p{XDigit}{8} is not the \\p{XDigit}{8} .gnu_debuglink asks for";
                assertTrue(e.getMessage().matches("function 'hidden_scale' not found.*; ignored debug file "
                        + Pattern.quote(debug.toString()) + ": " + why + ".*"), e.getMessage());
                seen.add(kind);
            }, ScenarioTest::assertLetGo);
        }
        assertEquals(List.of("other build", "changed"), seen);
    }

    @Test
    void lengthNamesCodeNoSymbolDescribesAndTheMessageGivesTheNearestSymbol() throws Exception {
        Path full = hidden(1);
        Path lib = stripped(full, "bare");
        Symbol known = hiddenScale(full);
        live(RunningTarget.startPast("^lib_compute=11$", DL_USER, lib.toString()), Options.defaults(), (t, s) -> {
            LoadedModule m = module(s, lib);
            long address = m.bias() + known.value();
            String at = String.format("%#x", address);
            TfixException e = assertThrows(TfixException.class, () -> s.plan(List.of(ReplaceSpec.of(at, "hidden_scale_v2", HIDDEN_PATCH))));
            assertEquals(Reason.NOT_FOUND, e.reason());
            assertTrue(e.getMessage().matches("no function starts at " + at + " \\(libhidden\\.so\\+" + String.format("%#x", known.value())
                    + ", (" + HEX + " bytes past \\w+ \\(\\d+ bytes long\\), the nearest symbol before it|before any symbol of the file)\\):"
                    + " give a function's entry address, or say how long the function is: replace '" + at + "', length: N"), e.getMessage());

            ReplaceSpec spec = ReplaceSpec.of(at, "hidden_scale_v2", HIDDEN_PATCH).withLength((int) known.size());
            String plan = s.describe(s.plan(List.of(spec)).get(0));
            assertTrue(plan.contains("ok   length: libhidden.so+" + String.format("%#x", known.value()) + ": " + known.size()
                    + " bytes, as length: says (no symbol describes it)"), plan);
            s.replace(spec);
            t.awaitLine("^lib_compute=1004$");
            assertEquals("libhidden.so+" + String.format("%#x", known.value()), s.status().get(0).function());
            s.revert("libhidden.so+" + String.format("%#x", known.value()));
            t.awaitLine("^lib_compute=11$");

            TfixException inside = assertThrows(TfixException.class, () -> s.plan(List.of(
                    ReplaceSpec.of("lib_compute", "hidden_scale_v2", HIDDEN_PATCH).withLength(16))));
            assertEquals(Reason.BAD_INPUT, inside.reason());
            assertTrue(inside.getMessage().startsWith("length: is for code named by its address"), inside.getMessage());
        }, ScenarioTest::assertLetGo);
    }
}
