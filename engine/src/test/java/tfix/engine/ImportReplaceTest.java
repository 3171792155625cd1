package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.patch.ImportSlot;
import tfix.engine.patch.ReplaceSpec;
import tfix.engine.patch.SitePlan;
import tfix.engine.record.AppliedPatch;
import tfix.engine.record.SiteKind;
import tfix.engine.testing.CTargets;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/**
 * {@code replace 'strtol', in: 'libgreet' with 'strtol_v2' from ...}: only the library's calls through its
 * own import table change; the executable, calling strtol itself from the same four busy threads, keeps it.
 */
class ImportReplaceTest extends EngineTest {
    private static final Path PATCH = Targets.patch("import_patch.c");

    /** The executable linked with libgreet (bound as {@code binding} says) and libquiet. */
    private static Path importer(String binding, String... flags) {
        String[] all = new String[flags.length + 1];
        all[0] = "-Wl,-z," + binding;
        System.arraycopy(flags, 0, all, 1, flags.length);
        Path greet = Targets.patch("libgreet.c", all);
        Path quiet = Targets.patch("libquiet.c");
        return CTargets.compile("importer.c", CTargets.resource("importer.c"), "-O1", greet.toString(), quiet.toString(),
                "-Wl,-rpath," + greet.getParent(), "-ldl");
    }

    private static ReplaceSpec inGreet() {
        return ReplaceSpec.of("strtol", "strtol_v2", PATCH).inModule("libgreet");
    }

    @Test
    void eagerBindingOnlyTheLibraryChangesAndRelroStaysReadOnly() throws Exception {
        live(importer("now"), "exe=41 lib=41", (t, s) -> {
            String planned = s.describe(s.plan(List.of(inGreet())).get(0));
            assertTrue(planned.matches("(?s)import of strtol in libgreet-\\w+\\.so: GOT slot 0x\\p{XDigit}+ holds"
                    + " 0x\\p{XDigit}+ \\(strtol in libc\\.so\\.6\\) -> strtol_v2 in import_patch-\\w+\\.so, once loaded\n.*"),
                    planned);
            Results.Replaced r = s.replace(inGreet());
            assertTrue(r.toString().contains("replaced strtol with strtol_v2 from import_patch-"), r.toString());
            ImportSlot slot = r.plan().importSlot();
            assertTrue(slot.oldMeaning().startsWith("strtol in libc.so"), slot.describe());
            assertEquals("R_X86_64_JUMP_SLOT", slot.relocation());
            t.awaitLine("^exe=41 lib=1041$");
            String perms = permissions(t.pid(), slot.slot());
            assertEquals("r--p", perms, "the RELRO GOT keeps its permissions: " + perms);

            AppliedPatch p = s.status().get(0);
            assertEquals(SiteKind.IMPORT, p.kind());
            assertTrue(p.label().startsWith("strtol (import of libgreet"), p.label());
            assertTrue(s.verify().get(0).ok(), "the slot reads back as written");
            assertEquals(slot.newValue(), ImportSlot.value(Targets.peek(t.pid(), slot.slot(), 8)));

            s.revert("strtol");
            t.awaitLine("^exe=41 lib=41$");
            assertEquals(slot.oldValue(), ImportSlot.value(Targets.peek(t.pid(), slot.slot(), 8)), "old value back");
            assertTrue(s.status().isEmpty());
        }, ScenarioTest::assertLetGo);
    }

    @Test
    void withoutPltTheGlobDatSlotIsTheImport() throws Exception {
        live(importer("now", "-fno-plt"), "exe=41 lib=41", (t, s) -> {
            Results.Replaced r = s.replace(inGreet()); // call *strtol@GOTPCREL(%rip): one GLOB_DAT slot, no PLT
            assertEquals("R_X86_64_GLOB_DAT", r.plan().importSlot().relocation());
            t.awaitLine("^exe=41 lib=1041$");
            s.revert("strtol");
            t.awaitLine("^exe=41 lib=41$");
        }, ScenarioTest::assertLetGo);
    }

    @Test
    void lazyBindingRevertPutsBackTheStub(@TempDir Path dir) throws Exception {
        Path trigger = dir.resolve("go");
        RunningTarget target = RunningTarget.startPast("exe=41 lib=-1", importer("lazy"), trigger.toString());
        live(target, Options.defaults(), (t, s) -> {
            // The library has not called strtol yet: its slot holds the PLT stub, and the patch takes it over.
            SitePlan plan = s.plan(List.of(inGreet())).get(0);
            assertTrue(plan.describe().contains("lazy-binding PLT stub"), plan.describe());
            long stub = plan.importSlot().oldValue();
            long slotAddress = plan.site();
            assertEquals(stub, ImportSlot.value(Targets.peek(t.pid(), slotAddress, 8)), "the plan reads the slot as it is");

            s.replace(inGreet());
            s.revert("strtol");
            assertEquals(stub, ImportSlot.value(Targets.peek(t.pid(), slotAddress, 8)), "the exact stub is back");

            s.replace(inGreet());
            Files.createFile(trigger);
            t.awaitLine("^exe=41 lib=1041$");
            s.revert("strtol");
            t.awaitLine("^exe=41 lib=41$"); // the stub is back and binds strtol lazily, as before
            assertTrue(s.status().isEmpty());
        }, ScenarioTest::assertLetGo);
    }

    @Test
    void aSecondImportPatchTakesTheSlotOverAndRevertRestoresTheFirstValue() throws Exception {
        live(importer("now"), "exe=41 lib=41", (t, s) -> {
            long original = s.replace(inGreet()).plan().importSlot().oldValue();
            t.awaitLine("^exe=41 lib=1041$");
            Results.Replaced again = s.replace(ReplaceSpec.of("strtol", "strtol_fixed", PATCH).inModule("libgreet"));
            assertTrue(again.plan().importSlot().oldMeaning().startsWith("strtol_v2 from import_patch"),
                    again.plan().importSlot().describe());
            t.awaitLine("^exe=41 lib=7$");
            assertEquals(1, s.status().size(), "the second patch took the first one's place");
            s.revert("strtol");
            t.awaitLine("^exe=41 lib=41$");
            assertEquals(original, ImportSlot.value(Targets.peek(t.pid(), again.plan().site(), 8)));
        }, ScenarioTest::assertLetGo);
    }

    @Test
    void aSlotSomeoneElseChangedIsRefusedNamingTheValue(@TempDir Path dir) throws Exception {
        // The library is never called here (no trigger), so nothing reads the slot this test forges.
        RunningTarget target = RunningTarget.startPast("exe=41 lib=-1", importer("lazy"), dir.resolve("never").toString());
        live(target, Options.defaults(), (t, s) -> {
            long slot = s.plan(List.of(inGreet())).get(0).site();
            byte[] stub = Targets.peek(t.pid(), slot, 8);
            long other = s.symbols().resolve("quiet_value", null, List.of()).address();
            poke(t.pid(), slot, ImportSlot.bytes(other));
            try {
                TfixException e = assertThrows(TfixException.class, () -> s.replace(inGreet()));
                assertEquals(Reason.UNSAFE_SITE, e.reason(), e.getMessage());
                assertTrue(e.getMessage().contains(String.format("holds %#x (quiet_value", other))
                        && e.getMessage().endsWith("; no patch was loaded"), e.getMessage());
                assertEquals(other, ImportSlot.value(Targets.peek(t.pid(), slot, 8)), "left as found");
                assertFalse(Targets.mapsMention(t.pid(), PATCH.getFileName().toString()));
            } finally {
                poke(t.pid(), slot, stub);
            }
        }, ScenarioTest::assertLetGo);
    }

    @Test
    void aModuleThatDoesNotImportItIsRefusedUntouched() throws Exception {
        live(importer("now"), "exe=41 lib=41", (t, s) -> {
            long slot = s.plan(List.of(inGreet())).get(0).site();
            byte[] before = Targets.peek(t.pid(), slot, 8);
            TfixException e = assertThrows(TfixException.class,
                    () -> s.replace(ReplaceSpec.of("strtol", "strtol_v2", PATCH).inModule("libquiet")));
            assertEquals(Reason.NOT_FOUND, e.reason(), e.getMessage());
            assertTrue(e.getMessage().matches("libquiet-\\w+\\.so does not import strtol: it calls it directly or not at"
                    + " all; replace 'strtol' without in: .*"), e.getMessage());
            assertFalse(Targets.mapsMention(t.pid(), PATCH.getFileName().toString()), "no patch was loaded");

            TfixException unknown = assertThrows(TfixException.class,
                    () -> s.replace(ReplaceSpec.of("strtol", "strtol_v2", PATCH).inModule("libnope.so")));
            assertEquals(Reason.NOT_FOUND, unknown.reason(), unknown.getMessage());
            assertTrue(unknown.getMessage().contains("in: 'libnope.so' names no module") && unknown.getMessage()
                    .contains("libgreet-"), unknown.getMessage());
            assertTrue(s.status().isEmpty());
            assertArrayEquals(before, Targets.peek(t.pid(), slot, 8), "libgreet's slot is untouched");
        }, ScenarioTest::assertLetGo);
    }

    @Test
    void aThreadInsideTheLoaderHoldsTheWriteBack(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("fifo");
        RunningTarget target = RunningTarget.startPast("exe=41 lib=41", importer("lazy"), "", fifo.toString());
        live(target, new Options(Duration.ofSeconds(10), Duration.ofMillis(300)), (t, s) -> {
            s.replace(inGreet()); // loads the patch while no thread holds the loader's lock
            s.revert("strtol");
            long slot = s.plan(List.of(inGreet())).get(0).site();
            byte[] before = Targets.peek(t.pid(), slot, 8);

            run("mkfifo", fifo.toString());
            t.awaitLine("^opening fifo$");
            awaitBlockedInOpen(t.pid());
            TfixException busy = assertThrows(TfixException.class, () -> s.replace(inGreet()));
            assertEquals(Reason.THREAD_BUSY, busy.reason(), busy.getMessage());
            assertTrue(busy.getMessage().contains("inside the dynamic loader"), busy.getMessage());
            assertArrayEquals(before, Targets.peek(t.pid(), slot, 8), "the slot is untouched");

            Files.writeString(fifo, "not an ELF file"); // the writer lets the loader's open return
            t.awaitLine("^fifo opened");
            s.replace(inGreet());
            t.awaitLine("^exe=41 lib=1041$");
            s.revert("strtol");
            t.awaitLine("^exe=41 lib=41$");
        }, ScenarioTest::assertLetGo);
    }

    @Test
    void aJumpAndAnImportOfOneFunctionAreRevertedEachByItsOwnName() throws Exception {
        live(importer("now"), "exe=41 lib=41", (t, s) -> {
            s.replace(inGreet());
            t.awaitLine("^exe=41 lib=1041$");
            s.replace(ReplaceSpec.of("strtol", "strtol_fixed", PATCH)); // the function itself, for everybody
            t.awaitLine("^exe=7 lib=1007$"); // strtol_v2 calls strtol, now strtol_fixed

            TfixException both = assertThrows(TfixException.class, () -> s.revert("strtol"));
            assertEquals(Reason.AMBIGUOUS, both.reason(), both.getMessage());
            String m = both.getMessage();
            assertTrue(m.startsWith("'strtol' names 2 patches: ") && m.matches(".*revert '0x\\p{XDigit}+'.*")
                    && m.matches(".*revert 'libgreet-\\w+\\.so!strtol'.*"), m);
            assertEquals(2, s.status().size(), "nothing reverted");

            Results.Reverted r = s.revert("libgreet!strtol");
            assertEquals(SiteKind.IMPORT, r.patches().get(0).kind());
            t.awaitLine("^exe=7 lib=7$");
            s.revert("strtol"); // the jump is the only patch of that name left
            t.awaitLine("^exe=41 lib=41$");
            assertTrue(s.status().isEmpty());
        }, ScenarioTest::assertLetGo);
    }

    /** The permissions of the mapping that holds {@code address}, from /proc/PID/maps. */
    private static String permissions(int pid, long address) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(pid), "maps"))) {
                String[] range = line.split(" ")[0].split("-");
                if (Long.parseUnsignedLong(range[0], 16) <= address && address < Long.parseUnsignedLong(range[1], 16)) {
                    return line.split(" ")[1];
                }
            }
            throw new AssertionError(String.format("%#x is in no mapping", address));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until one thread of the process waits in openat (257), the FIFO's open inside ld.so. */
    private static void awaitBlockedInOpen(int pid) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            try (var tasks = Files.list(Path.of("/proc", Integer.toString(pid), "task"))) {
                for (Path task : tasks.toList()) {
                    try {
                        if (Files.readString(task.resolve("syscall")).startsWith("257 ")) {
                            return;
                        }
                    } catch (IOException e) {
                        // the thread is gone: look at the others
                    }
                }
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("no thread blocked in openat");
    }

    private static void poke(int pid, long address, byte[] bytes) throws IOException {
        try (var ch = java.nio.channels.FileChannel.open(Path.of("/proc", Integer.toString(pid), "mem"),
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(bytes), address);
        }
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertEquals(0, p.waitFor(), new String(p.getInputStream().readAllBytes()));
    }
}
