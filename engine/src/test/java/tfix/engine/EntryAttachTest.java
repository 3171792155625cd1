package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import tfix.engine.process.ProgramStart;
import tfix.engine.sys.ExecPermission;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/** Catching a process at its exec and holding it at its entry point, as tfix watch does; the trap's whole life. */
class EntryAttachTest extends EngineTest {

    /**
     * An exec held by the kernel: seized before it goes on, the process is held at AT_ENTRY with the trap there
     * (it has printed nothing), stays held through the patch's load and write, and runs from its entry once
     * detached, its first call already patched, the entry's byte the program's own again, untraced.
     */
    @Test
    void aHeldExecIsPatchedAtItsEntryAndLetGoWithoutTheTrap() throws Exception {
        Path exe = Targets.exe("watched.c", "-no-pie");
        Path patch = Targets.patch("scorer_patch.c");
        try (RunningTarget untouched = RunningTarget.start(exe)) {
            long entry = ProgramStart.read(untouched.pid()).orElseThrow().entry();
            byte own = Targets.peek(untouched.pid(), entry, 1)[0];
            assertNotEquals((byte) 0xcc, own);
            CompletableFuture<RunningTarget> started;
            try (ExecPermission execs = ExecPermission.open(engine.nat(), exe); ExecCatcher catcher = new ExecCatcher(engine)) {
                started = CompletableFuture.supplyAsync(() -> RunningTarget.start(exe));
                List<ExecPermission.Held> held = List.of();
                for (int i = 0; i < 100 && held.isEmpty(); i++) {
                    held = execs.next(100);
                }
                assertEquals(1, held.size(), "one exec of the program");
                int pid = held.get(0).pid();
                ExecCatcher.Seized seized;
                try {
                    seized = catcher.seize(pid, true);
                } finally {
                    execs.allow(held.get(0));
                }
                EntryAttach.Caught caught = EntryAttach.attach(seized, engine, Options.defaults());
                try (TfixSession s = caught.session()) {
                    assertTrue(caught.atEntry());
                    assertEquals((byte) 0xcc, Targets.peek(pid, entry, 1)[0], "the trap holds it at its entry");
                    s.replace("compute", null, "compute_v2", patch);
                    assertEquals((byte) 0xcc, Targets.peek(pid, entry, 1)[0], "still held after the write resumed it");
                    assertFalse(started.isDone(), "no line printed: no code of the program ran");
                }
                assertEquals(own, Targets.peek(pid, entry, 1)[0], "the detach put the entry's byte back");
            }
            try (RunningTarget t = started.get(60, TimeUnit.SECONDS)) {
                assertTrue(t.output().get(0).endsWith("first=1005"), t.output().toString());
                assertFalse(t.traced());
                assertTrue(t.alive());
            }
        }
    }

    /** A process found running its main already: caught past its entry, no trap written, patched as it runs. */
    @Test
    void aRunningProcessIsCaughtPastItsEntryWithoutATrap() throws Exception {
        Path exe = Targets.exe("watched.c");
        try (RunningTarget t = RunningTarget.start(exe); ExecCatcher catcher = new ExecCatcher(engine)) {
            long entry = ProgramStart.read(t.pid()).orElseThrow().entry();
            byte own = Targets.peek(t.pid(), entry, 1)[0];
            EntryAttach.Caught caught = EntryAttach.attach(catcher.seize(t.pid(), false), engine, Options.defaults());
            try (TfixSession s = caught.session()) {
                assertFalse(caught.atEntry());
                assertEquals(own, Targets.peek(t.pid(), entry, 1)[0]);
                s.replace("compute", null, "compute_v2", Targets.patch("scorer_patch.c"));
            }
            t.awaitLine("compute=1005");
            assertFalse(t.traced());
        }
    }
}
