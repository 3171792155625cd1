package tfix.engine.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import tfix.engine.Options;
import tfix.engine.Results;
import tfix.engine.TfixSession;
import tfix.engine.Via;
import tfix.engine.patch.ReplaceSpec;
import tfix.engine.patch.SitePlan;
import tfix.engine.testing.AgentTargets;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/**
 * The agent's write without stopping threads, on functions that qualify (first instruction of 8 bytes, padding
 * before them): eight threads hammer the patched functions and others loop on epoll_wait, poll, select and
 * nanosleep with 1 ms time-outs; no call may see EINTR, every answer is the old or the new one. The program's own
 * SIGTRAP handler keeps getting the traps it raises. Plans and results say which write ran.
 */
class NoStopTest extends EngineTest {
    private static final Path EXE = Targets.exe("nostop_target.c", "-O2");
    private static final Path PATCH = Targets.patch("nostop_patch.c");
    private static final Pattern TICK = Pattern.compile("tick \\d+ hot=(\\d+) hot2=(\\d+) eintr=(\\d+) traps=(\\d+) trapown=(\\d) alarms=(\\d+) forks=(\\d+)");

    private static TfixSession attach(RunningTarget t, Via via) {
        return TfixSession.attach(t.pid(), engine, Options.defaults(), w -> { }, via);
    }

    private static void noneBad(RunningTarget t) {
        assertEquals(List.of(), t.output().stream().filter(l -> l.startsWith("BAD")).toList(), "the target saw something wrong");
    }

    private static Matcher tick(RunningTarget t, String hot) {
        Matcher m = TICK.matcher(t.awaitLine("tick .* hot=" + hot + " "));
        assertTrue(m.find());
        return m;
    }

    @Test
    void fiftyAppliesAndRevertsWhileThreadsHammerAndWaitLeaveNoThreadWithEintrAndStopNone() throws Exception {
        try (RunningTarget t = AgentTargets.start("tick 0 ", EXE, List.of())) {
            try (TfixSession s = attach(t, Via.AGENT)) {
                for (int i = 0; i < 50; i++) {
                    Results.Replaced r = s.replace("hot", null, "hot_v2", PATCH);
                    assertTrue(r.plan().jumpLabel().startsWith("jmp rel8 to a pad at "), r.toString());
                    assertTrue(r.toString().contains("no thread stopped (write without stopping threads"), r.toString());
                    assertTrue(s.verify().get(0).ok());
                    assertEquals(1, s.revertAll().patches().size());
                }
            }
            Matcher m = tick(t, "2"); // a tick after the last write: its checks ran with every write done
            assertEquals("0", m.group(3), "EINTRs");
            noneBad(t);
        }
    }

    @Test
    void aProgramRaisingSigtrapIntoItsOwnHandlerKeepsGettingThemAndKeepsItsHandler() throws Exception {
        try (RunningTarget t = AgentTargets.start("tick 0 ", EXE, List.of(), "traps")) {
            long before = Long.parseLong(tick(t, "2").group(4));
            try (TfixSession s = attach(t, Via.AGENT)) {
                for (int i = 0; i < 10; i++) {
                    s.replace("hot", null, "hot_v2", PATCH);
                    s.revertAll();
                }
                s.replace("hot", null, "hot_v2", PATCH);
            }
            // The agent puts the program's action back once no thread can still be on its way from an int3.
            Matcher after = TICK.matcher(t.awaitLine("tick .* hot=3 .*trapown=1"));
            assertTrue(after.find());
            assertTrue(Long.parseLong(after.group(4)) > before, "traps kept arriving: " + after.group());
            try (TfixSession s = attach(t, Via.AGENT)) {
                s.revertAll();
            }
            tick(t, "2");
            noneBad(t);
        }
    }

    @Test
    void aThreadThatBlocksSigtrapMakesTheAgentStopTheThreadsInstead() throws Exception {
        // An int3 met with SIGTRAP blocked would kill the process (the kernel forces the default action).
        try (RunningTarget t = AgentTargets.start("tick 0 ", EXE, List.of(), "blocktrap")) {
            try (TfixSession s = attach(t, Via.AGENT)) {
                Results.Replaced r = s.replace("hot", null, "hot_v2", PATCH);
                assertTrue(r.stopped().startsWith("target stopped"), r.toString());
                tick(t, "3");
                assertEquals(1, s.revertAll().patches().size());
            }
            tick(t, "2");
            assertTrue(t.alive());
            assertEquals(List.of(), t.output().stream().filter(l -> l.startsWith("BAD result")).toList());
        }
    }

    @Test
    void aHandlerThatRunsWithSigtrapBlockedMakesTheAgentStopTheThreadsInsteadAndNothingCrashes() throws Exception {
        // B3: SIGALRM every 1 ms into a handler whose mask holds every signal and which calls hot(): an int3 met
        // there would kill the process, so the agent declines and the write takes the stop path.
        try (RunningTarget t = AgentTargets.start("tick 0 ", EXE, List.of(), "alarm")) {
            long before = Long.parseLong(tick(t, "2").group(6));
            try (TfixSession s = attach(t, Via.AGENT)) {
                for (int i = 0; i < 5; i++) {
                    Results.Replaced r = s.replace("hot", null, "hot_v2", PATCH);
                    assertTrue(r.stopped().startsWith("target stopped"), r.toString());
                    assertTrue(s.verify().get(0).ok());
                    assertEquals(1, s.revertAll().patches().size());
                }
            }
            Matcher m = tick(t, "2");
            assertTrue(Long.parseLong(m.group(6)) > before, "the handler kept running: " + m.group());
            assertTrue(t.alive());
            assertEquals(List.of(), t.output().stream().filter(l -> l.startsWith("BAD result")
                    || l.startsWith("BAD alarm")).toList());
        }
    }

    @Test
    void aProgramThatForksDuringTwentyWritesWithoutStopHasEveryChildExitNormally() throws Exception {
        // B5: a fork during the window would copy int3s (and a held handler with no control thread) into the child.
        try (RunningTarget t = AgentTargets.start("tick 0 ", EXE, List.of(), "forks")) {
            try (TfixSession s = attach(t, Via.AGENT)) {
                for (int i = 0; i < 20; i++) {
                    Results.Replaced r = s.replace("hot", null, "hot_v2", PATCH);
                    assertTrue(r.stopped().startsWith("no thread stopped"), r.toString());
                    assertEquals(1, s.revertAll().patches().size());
                }
            }
            long after = Long.parseLong(tick(t, "2").group(7));
            // Children forked after the last write exit too: no child hangs at an int3, so the forker goes on.
            Matcher later = TICK.matcher(t.awaitLine("tick .* forks=(?!" + after + "$)\\d+$"));
            assertTrue(later.find() && Long.parseLong(later.group(7)) > after, later.group());
            assertTrue(t.alive());
            noneBad(t);
        }
    }

    @Test
    void aLongAgentSignalValueStillGetsAWholeHelloAndTheWriteWithoutStop() throws Exception {
        // B9: HELLO's line has a fixed size; a long TFIX_AGENT_SIGNAL must neither overrun it nor hide nostop=1.
        try (RunningTarget t = AgentTargets.start("tick 0 ", EXE, List.of("TFIX_AGENT_SIGNAL=" + "9".repeat(300)))) {
            try (TfixSession s = attach(t, Via.AGENT)) {
                Results.Replaced r = s.replace("hot", null, "hot_v2", PATCH);
                assertTrue(r.stopped().startsWith("no thread stopped"), r.toString());
                assertEquals(1, s.revertAll().patches().size());
            }
            tick(t, "2");
            noneBad(t);
        }
    }

    @Test
    void aBatchWhoseSecondSiteCannotBeWrittenIsRolledBackWholeAndTheNextWriteWorks() throws Exception {
        // B1: the int3 goes on hot's entry, then writing the second site (a shared read-only page) fails: the agent
        // must put hot's bytes back (threads calling it meanwhile wait, then run it whole) and take later writes.
        try (RunningTarget t = AgentTargets.start("tick 0 ", EXE, List.of())) {
            Matcher ready = Pattern.compile("hot=0x(\\p{XDigit}+) unwritable=0x(\\p{XDigit}+)").matcher(
                    t.output().stream().filter(l -> l.startsWith("ready pid=")).findFirst().orElseThrow());
            assertTrue(ready.find());
            long hot = Long.parseUnsignedLong(ready.group(1), 16), locked = Long.parseUnsignedLong(ready.group(2), 16);
            try (AgentClient agent = AgentClient.connect(new tfix.engine.sys.Native(), t.pid(), 5).orElseThrow()) {
                byte[] before = agent.read(hot, 2);
                List<AgentClient.Change> changes = List.of(new AgentClient.Change(hot, before, new byte[] {(byte) 0xeb, (byte) 0xfe}),
                        new AgentClient.Change(locked, new byte[2], new byte[] {1, 2}));
                tfix.engine.failure.TfixException e = org.junit.jupiter.api.Assertions.assertThrows(
                        tfix.engine.failure.TfixException.class, () -> agent.writeWithoutStop(changes));
                assertTrue(e.getMessage().contains("every site rolled back"), e.getMessage());
                assertEquals(List.of(before[0], before[1]), List.of(agent.read(hot, 2)[0], agent.read(hot, 2)[1]));
            }
            tick(t, "2");
            try (TfixSession s = attach(t, Via.AGENT)) {
                Results.Replaced r = s.replace("hot", null, "hot_v2", PATCH);
                assertTrue(r.stopped().startsWith("no thread stopped"), r.toString());
                tick(t, "3");
                assertEquals(1, s.revertAll().patches().size());
            }
            tick(t, "2");
            noneBad(t);
        }
    }

    @Test
    void aTransactionOfTwoSitesSwitchesThemTogetherAndAPlanSaysWhichWrite() throws Exception {
        try (RunningTarget t = AgentTargets.start("tick 0 ", EXE, List.of())) {
            List<ReplaceSpec> specs = List.of(ReplaceSpec.of("hot", "hot_v2", PATCH), ReplaceSpec.of("hot2", "hot2_v2", PATCH));
            try (TfixSession s = attach(t, Via.AGENT)) {
                List<SitePlan> plans = s.plan(specs);
                assertTrue(plans.get(0).describe().contains("ok   no stop: write without stopping threads"),
                        plans.get(0).describe());
                List<Results.Replaced> done = s.transaction(specs);
                assertEquals(2, done.size());
                done.forEach(r -> assertTrue(r.stopped().startsWith("no thread stopped"), r.toString()));
                assertTrue(tick(t, "3").group(2).equals("21"), "hot2 too");
                assertEquals(2, s.revertAll().patches().size());
            }
            Matcher m = tick(t, "2");
            assertEquals("11", m.group(2));
            noneBad(t);
        }
    }

    @Test
    void aPadJumpAppliedThroughTheAgentIsVerifiedAndRevertedThroughPtraceAndSafetyStackTakesTheStopPath()
            throws Exception {
        try (RunningTarget t = AgentTargets.start("tick 0 ", EXE, List.of())) {
            try (TfixSession s = attach(t, Via.AGENT)) {
                s.replace("hot", null, "hot_v2", PATCH);
            }
            tick(t, "3");
            try (TfixSession s = attach(t, Via.PTRACE)) {
                assertTrue(s.verify().get(0).ok());
                assertEquals("hot_v2", s.replace("hot", null, "hot_v2", PATCH).plan().targetName()); // already in place
                assertEquals(1, s.revertAll().patches().size());
            }
            tick(t, "2");
            try (TfixSession s = attach(t, Via.AGENT)) {
                s.stackCheck(true);
                SitePlan p = s.plan(List.of(ReplaceSpec.of("hot", "hot_v2", PATCH))).get(0);
                assertTrue(p.describe().contains("ok   write: stopping every thread"), p.describe());
            }
            // Only the answers: the ptrace route's own stops end timed waits early with EINTR (without the agent too).
            assertEquals(List.of(), t.output().stream().filter(l -> l.startsWith("BAD result")).toList());
        }
    }
}
