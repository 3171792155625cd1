package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tfix.engine.elf.ElfImage;
import tfix.engine.elf.PatchReferences;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.patch.Check;
import tfix.engine.patch.ReplaceSpec;
import tfix.engine.patch.SitePlan;
import tfix.engine.testing.CTargets;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/**
 * Issue 9, part 1: a patch uses the program's functions and variables, statics included, declared weak
 * (include/tfix.h). tfix resolves them from the program's symbol tables before loading the patch, fills the
 * patch's slots after dlopen and before the jump; the program's output proves its own statics were used.
 */
class ReferencesTest extends EngineTest {
    static final String INCLUDE = "-I" + Path.of("..", "include").toAbsolutePath().normalize();
    static final String GAME_BEFORE = "score=4 counter=0 total=0 bonus=0";
    static final String GAME_AFTER = "score=31 counter=5 total=11 bonus=0";

    static Path game(String... flags) {
        return Targets.exe("refs_game.c", flags);
    }

    static Path gamePatch(String... defines) {
        List<String> flags = new ArrayList<>(List.of(INCLUDE));
        flags.addAll(List.of(defines));
        return Targets.patch("refs_game_patch.c", flags.toArray(String[]::new));
    }

    private static void patchesTheGame(Path exe) throws Exception {
        live(exe, GAME_BEFORE, (t, s) -> {
            s.replace("score", null, "score_v2", gamePatch());
            t.awaitLine(GAME_AFTER);
        }, ScenarioTest::assertLetGo);
    }

    @Test
    void staticsOfAPieExecutable() throws Exception {
        patchesTheGame(game());
    }

    @Test
    void staticsOfANonPieExecutable() throws Exception {
        patchesTheGame(game("-no-pie"));
    }

    @Test
    void staticsOfALibraryAreSearchedThereFirst() throws Exception {
        Path lib = Targets.patch("refs_lib.c");
        Path exe = CTargets.compile("refs_libuser.c", CTargets.resource("refs_libuser.c"), "-O1", lib.toString(),
                "-Wl,-rpath," + lib.getParent());
        Path patch = Targets.patch("refs_lib_patch.c", INCLUDE);
        live(exe, "lib_work=2 hits=0 decoy=100", (t, s) -> {
            s.replace("lib_work", null, "lib_work_v2", patch);
            t.awaitLine("lib_work=10 hits=3 decoy=100"); // the library's own lib_hits, its static and hidden ones
            s.revert("lib_work");
            t.awaitLine("lib_work=2 hits=3 decoy=100");
        }, ScenarioTest::assertLetGo);
    }

    @Test
    void aNameInTwoFilesIsRefusedUntilThePatchPicksOne(@TempDir Path dir) throws Exception {
        Path exe = compileTwoFiles(dir);
        Path blind = Targets.patch("refs_amb_patch.c", INCLUDE);
        Path picking = Targets.patch("refs_amb_patch.c", INCLUDE, "-DPICK");
        live(exe, "compute=2 main_counter=1 scores_counter=2", (t, s) -> {
            TfixException e = assertThrows(TfixException.class, () -> s.replace("compute", null, "compute_v2", blind));
            assertEquals(Reason.AMBIGUOUS, e.reason(), e.getMessage());
            assertTrue(e.getMessage().contains("refs_amb_main.c at 0x") && e.getMessage().contains("refs_amb_scores.c at 0x")
                    && e.getMessage().contains("TFIX_REF_FROM") && e.getMessage().endsWith("no patch was loaded"), e.getMessage());
            assertFalse(Targets.mapsMention(t.pid(), blind.getFileName().toString()), "the refused patch is loaded");

            s.replace("compute", null, "compute_v2", picking);
            t.awaitLine("compute=101 main_counter=1 scores_counter=42");
        }, ScenarioTest::assertLetGo);
    }

    @Test
    void anUnresolvableReferenceIsRefusedBeforeLoading() throws Exception {
        Path missing = gamePatch("-DMISSING");
        live(game(), GAME_BEFORE, (t, s) -> {
            long entry = s.symbols().resolve("score", null, List.of()).address();
            byte[] before = Targets.peek(t.pid(), entry, 16);
            TfixException e = assertThrows(TfixException.class, () -> s.replace("score", null, "score_v2", missing));
            assertEquals(Reason.NOT_FOUND, e.reason(), e.getMessage());
            assertTrue(e.getMessage().contains("'no_such_variable' is found in no module's symbol table")
                    && e.getMessage().endsWith("no patch was loaded"), e.getMessage());
            assertFalse(Targets.mapsMention(t.pid(), missing.getFileName().toString()), "the refused patch is loaded");
            assertArrayEquals(before, Targets.peek(t.pid(), entry, 16));
            assertTrue(s.status().isEmpty());
            s.replace("score", null, "score_v2", gamePatch()); // the target still runs, and runs the good patch
            t.awaitLine(GAME_AFTER);
        }, ScenarioTest::assertLetGo);
    }

    /** A thread-local variable declared without __thread (ThreadLocalReferencesTest binds it declared right). */
    @Test
    void aThreadLocalVariableDeclaredPlainIsRefusedByName() throws Exception {
        Path asPlain = gamePatch("-DTLS");
        live(game(), GAME_BEFORE, (t, s) -> {
            TfixException plain = assertThrows(TfixException.class, () -> s.replace("score", null, "score_v2", asPlain));
            assertEquals(Reason.UNSUPPORTED, plain.reason(), plain.getMessage());
            assertTrue(plain.getMessage().contains("'tls_hits' is a thread-local variable")
                    && plain.getMessage().contains("TFIX_EXTERN(__thread type, tls_hits)"), plain.getMessage());
            assertFalse(Targets.mapsMention(t.pid(), asPlain.getFileName().toString()));
        }, ScenarioTest::assertLetGo);
    }

    /** Item 5: a reference not declared weak is the loader's; the refusal names the weak declaration as remedy. */
    @Test
    void aNonWeakReferenceToTheProgramIsRefusedNamingTheRemedy() throws Exception {
        Path strong = Targets.patch("refs_strong_patch.c");
        live(game(), GAME_BEFORE, (t, s) -> {
            TfixException e = assertThrows(TfixException.class, () -> s.replace("score", null, "score_v2", strong));
            assertEquals(Reason.BAD_PATCH_FILE, e.reason(), e.getMessage());
            assertTrue(e.getMessage().contains("needs total") && e.getMessage().contains("declare it weak, with TFIX_EXTERN"),
                    e.getMessage());
            assertFalse(Targets.mapsMention(t.pid(), strong.getFileName().toString()));
        }, ScenarioTest::assertLetGo);
    }

    @Test
    void aCppPatchUsesAClassStaticMember() throws Exception {
        Path exe = Targets.exe("refs_game.cpp");
        Path patch = Targets.patch("refs_game_patch.cpp", INCLUDE);
        live(exe, "play=4 total=0", (t, s) -> {
            s.replace("play", null, "play_v2", patch);
            t.awaitLine("play=9 total=7");
        }, ScenarioTest::assertLetGo);
    }

    @Test
    void thePlanListsWhereEachReferenceBinds() throws Exception {
        Path exe = game();
        live(exe, GAME_BEFORE, (t, s) -> {
            SitePlan plan = s.plan(List.of(ReplaceSpec.of("score", "score_v2", gamePatch()))).get(0);
            assertTrue(plan.ok(), plan.describe());
            long counter = plan.checks().stream().filter(c -> c.name().equals("reference")).count();
            assertEquals(3, counter, plan.describe());
            Check c = plan.checks().stream().filter(k -> k.detail().startsWith("counter -> 0x")).findFirst().orElseThrow();
            // CTargets compiles a copy named after the binary: gcc records that name as the source file
            assertTrue(c.passed() && c.detail().endsWith("(static variable, " + exe + ", " + exe.getFileName() + ".c)"),
                    c.detail());
            assertTrue(s.describe(plan).contains("ok   reference: bonus -> 0x"), s.describe(plan));
            assertTrue(s.describe(plan).contains("total -> 0x"), s.describe(plan));
            assertFalse(Targets.mapsMention(t.pid(), gamePatch().getFileName().toString()), "a plan loaded the patch");

            SitePlan missing = s.plan(List.of(ReplaceSpec.of("score", "score_v2", gamePatch("-DMISSING")))).get(0);
            assertTrue(s.describe(missing).contains("FAIL reference: the patch's reference 'no_such_variable'"),
                    s.describe(missing));
        }, ScenarioTest::assertLetGo);
    }

    /** A patch mapped already (a new tfix run) has its slots checked; a wiped one is written again. */
    @Test
    void aLoadedPatchHasItsSlotsCheckedAgain() throws Exception {
        Path patch = gamePatch();
        live(game(), GAME_BEFORE, (t, s) -> {
            s.replace("score", null, "score_v2", patch);
            t.awaitLine(GAME_AFTER);
            s.revert("score");
            t.awaitLine("score=4 counter=5 total=11 bonus=0");
            // Loaded from the patch store: the module is the stored copy, under the same file name.
            long base = s.symbols().modules().stream().filter(m -> m.fileName().equals(patch.getFileName().toString()))
                    .findFirst().orElseThrow().bias();
            for (PatchReferences.Reference r : ElfImage.read(patch).patchReferences().references()) {
                for (PatchReferences.Slot slot : r.slots()) { // nothing runs the patch now: the jump is gone
                    assertTrue(ByteBuffer.wrap(Targets.peek(t.pid(), base + slot.offset(), 8)).getLong() != 0, r.name());
                    poke(t.pid(), base + slot.offset(), new byte[8]);
                }
            }
        }, t -> {
            ScenarioTest.assertLetGo(t);
            try (TfixSession again = attach(t)) { // the patch is mapped: no dlopen, its slots are filled again
                again.replace("score", null, "score_v2", patch);
            }
            t.awaitLine("score=31 counter=5 total=11 bonus=0");
            ScenarioTest.assertLetGo(t);
        });
    }

    private static void poke(int pid, long address, byte[] bytes) {
        try (FileChannel mem = FileChannel.open(Path.of("/proc", Integer.toString(pid), "mem"), StandardOpenOption.WRITE)) {
            assertEquals(bytes.length, mem.write(ByteBuffer.wrap(bytes), address));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path compileTwoFiles(Path dir) throws IOException, InterruptedException {
        for (String f : List.of("refs_amb_main.c", "refs_amb_scores.c")) {
            Files.writeString(dir.resolve(f), CTargets.resource(f));
        }
        Path out = dir.resolve("refs_amb");
        Process p = new ProcessBuilder("gcc", "-g", "-O1", "-o", out.toString(), "refs_amb_main.c", "refs_amb_scores.c")
                .directory(dir.toFile()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), log);
        return out;
    }
}
