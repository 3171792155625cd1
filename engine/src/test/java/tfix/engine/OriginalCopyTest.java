package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.patch.OriginalCopy;
import tfix.engine.patch.Planner;
import tfix.engine.patch.ReplaceSpec;
import tfix.engine.patch.SitePlan;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/**
 * Issue 9 part 2: {@code original: 'compute_orig'} gives the patch a callable copy of the original function's
 * first instructions (relocated: a short branch widened, a RIP-relative load re-aimed), set before the jump goes
 * live. Eight threads call compute() without pause and check every answer; "BAD" in the output is a wrong one.
 */
class OriginalCopyTest extends EngineTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Pattern FIELD = Pattern.compile(" ([a-z0-9]+)=(-?\\d+)");

    static Path exe() {
        return Targets.exe("original.c");
    }

    static Path patch() {
        return Targets.patch("original_patch.c");
    }

    static long count(String tick, String key) {
        Matcher m = FIELD.matcher(tick);
        while (m.find()) {
            if (m.group(1).equals(key)) {
                return Long.parseLong(m.group(2));
            }
        }
        throw new AssertionError("no " + key + " in " + tick);
    }

    /** The tick after the next one: every call it counts began after whatever tfix did before this was asked. */
    static String settledTick(RunningTarget t) {
        long now = t.output().stream().filter(l -> l.startsWith("tick ")).mapToLong(OriginalCopyTest::tickNumber).max()
                .orElse(-1);
        return t.awaitLine(l -> l.startsWith("tick ") && tickNumber(l) >= now + 2, WAIT);
    }

    static long tickNumber(String tick) {
        return Long.parseLong(tick.split(" ")[1]);
    }

    /**
     * After the write, {@code key} grows by many calls and the others hardly: each of the eight workers may still
     * finish one call it began before the write (a thread preempted inside it, on a busy machine), no more.
     */
    static void onlyGrows(RunningTarget t, String key) {
        String a = settledTick(t);
        String b = t.awaitLine(l -> l.startsWith("tick ") && count(l, key) > count(a, key) + 1000, WAIT);
        for (String other : List.of("old", "new", "v3")) {
            if (!other.equals(key)) {
                assertTrue(count(b, other) - count(a, other) <= 8, other + " grew while only " + key + " should: " + a
                        + " / " + b);
            }
        }
        assertNoBadAnswer(t);
    }

    static void assertNoBadAnswer(RunningTarget t) {
        assertTrue(t.output().stream().noneMatch(l -> l.startsWith("BAD")), "wrong answers: " + t.output().stream()
                .filter(l -> l.startsWith("BAD")).limit(3).toList());
    }

    static ReplaceSpec spec(String old, String neu, String variable) {
        return ReplaceSpec.of(old, neu, patch()).withOriginal(variable);
    }

    static long pointerAt(int pid, long address) {
        return ByteBuffer.wrap(Targets.peek(pid, address, 8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /** The copy holds what the plan says, the variable points at it, and the copy's slots are its own. */
    static OriginalCopy assertCopyInPlace(RunningTarget t, Results.Replaced r) {
        OriginalCopy copy = r.plan().copy();
        assertNotNull(copy, "no copy planned: " + r);
        assertArrayEquals(copy.code(), Targets.peek(t.pid(), copy.address(), copy.code().length), "copy bytes differ from the plan");
        assertEquals(copy.address(), pointerAt(t.pid(), copy.variableAddress()), copy.variable() + " does not point at the copy");
        assertTrue(r.toString().contains(String.format("original copy at %#x", copy.address())), r.toString());
        return copy;
    }

    @Test
    void thePatchCallsTheOriginalThroughItsCopyUnderEightThreads() {
        try (RunningTarget t = RunningTarget.startPast("^tick ", exe())) {
            byte[] entryBefore;
            OriginalCopy first;
            try (TfixSession s = attach(t)) {
                long entry = s.symbols().resolve("compute", null, Set.of()).address();
                entryBefore = Targets.peek(t.pid(), entry, 32);
                SitePlan dry = s.plan(List.of(spec("compute", "compute_v2", "compute_orig"))).get(0);
                String printed = s.describe(dry);
                assertTrue(dry.ok(), printed);
                assertTrue(printed.contains("original copy at 0x") && printed.contains("endbr64; test edi, edi; js 0x")
                        && printed.contains("rip"), printed);

                Results.Replaced r = s.replace(spec("compute", "compute_v2", "compute_orig"));
                first = assertCopyInPlace(t, r);
                assertTrue(s.describe(r.plan()).contains(String.format("original copy at %#x: endbr64; test edi, edi; js",
                        first.address())), s.describe(r.plan()));
                onlyGrows(t, "new");
                assertTrue(count(settledTick(t), "newneg") > 0, "the copy's widened js never ran");
                assertEquals(first.address(), s.status().get(0).copy());
                assertTrue(s.verify().stream().allMatch(Results.Verified::ok), s.verify().toString());
                // verify reads the copy too: its endbr64 made an endbr32 (as harmless here) is a copy not in place.
                poke(t.pid(), first.address() + 3, (byte) 0xfb);
                assertFalse(s.verify().get(0).ok(), "a changed copy verified as in place");
                poke(t.pid(), first.address() + 3, (byte) 0xfa);
                assertTrue(s.verify().get(0).ok());

                s.revert("compute");
                assertArrayEquals(entryBefore, Targets.peek(t.pid(), entry, 32), "the function is not restored");
                onlyGrows(t, "old");
                // The copy stays, untouched: a thread may still have been running in it.
                assertArrayEquals(first.code(), Targets.peek(t.pid(), first.address(), first.code().length));
            }
            ScenarioTest.assertLetGo(t);

            // A later run reads the record: the first copy's slots are never handed out again.
            try (TfixSession s = attach(t)) {
                OriginalCopy v3 = assertCopyInPlace(t, s.replace(spec("compute", "compute_v3", "compute_orig3")));
                assertDisjoint(first, v3);
                onlyGrows(t, "v3");
                // Taking v3 over: the new copy is of the original code, not of v3's jump (that would add 4000: BAD).
                OriginalCopy v2 = assertCopyInPlace(t, s.replace(spec("compute", "compute_v2", "compute_orig")));
                assertDisjoint(first, v2);
                assertDisjoint(v3, v2);
                onlyGrows(t, "new");
                assertEquals(1, s.status().size());
                assertTrue(s.verify().get(0).ok());
                s.revertAll();
                onlyGrows(t, "old");
                assertArrayEquals(first.code(), Targets.peek(t.pid(), first.address(), first.code().length));
                assertArrayEquals(v3.code(), Targets.peek(t.pid(), v3.address(), v3.code().length));
            }
            ScenarioTest.assertLetGo(t);
        }
    }

    /** Writes one byte into the target's memory, as another debugger would. */
    static void poke(int pid, long address, byte value) {
        try (FileChannel mem = FileChannel.open(Path.of("/proc", Integer.toString(pid), "mem"), StandardOpenOption.WRITE)) {
            mem.write(ByteBuffer.wrap(new byte[] {value}), address);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void assertDisjoint(OriginalCopy a, OriginalCopy b) {
        long aEnd = a.address() + (long) a.slots() * Planner.TRAMPOLINE_SLOT;
        long bEnd = b.address() + (long) b.slots() * Planner.TRAMPOLINE_SLOT;
        assertTrue(aEnd <= b.address() || bEnd <= a.address(), String.format("copies overlap: %#x-%#x and %#x-%#x",
                a.address(), aEnd, b.address(), bEnd));
    }

    @Test
    void aFunctionThatCannotBeCopiedIsRefusedBeforeLoading() {
        try (RunningTarget t = RunningTarget.startPast("^tick ", exe())) {
            try (TfixSession s = attach(t)) {
                long entry = s.symbols().resolve("stubborn", null, Set.of()).address();
                byte[] before = Targets.peek(t.pid(), entry, 32);
                TfixException e = assertThrows(TfixException.class, () -> s.replace(spec("stubborn", "stubborn_v2", "stubborn_orig")));
                assertEquals(Reason.UNSAFE_SITE, e.reason());
                assertTrue(e.getMessage().contains(String.format("cannot make a callable copy of stubborn: %#x jrcxz %#x cannot be"
                        + " relocated", entry, entry + 0x10)) && e.getMessage().endsWith("no patch was loaded"), e.getMessage());
                assertFalse(e.getMessage().contains("\n"));
                assertArrayEquals(before, Targets.peek(t.pid(), entry, 32));
                assertTrue(s.status().isEmpty());
                SitePlan plan = s.plan(List.of(spec("stubborn", "stubborn_v2", "stubborn_orig"))).get(0);
                assertTrue(plan.failures().stream().anyMatch(c -> c.name().equals("original")), s.describe(plan));
            }
            assertFalse(Targets.mapsMention(t.pid(), patch().getFileName().toString()), "the patch was loaded");
            settledTick(t);
            ScenarioTest.assertLetGo(t);
        }
    }

    @Test
    void originalMustNameAFunctionPointerVariableOfThePatch() {
        try (RunningTarget t = RunningTarget.startPast("^tick ", exe())) {
            try (TfixSession s = attach(t)) {
                String file = patch().getFileName().toString();
                TfixException missing = assertThrows(TfixException.class, () -> s.replace(spec("compute", "compute_v2", "nope")));
                assertEquals(Reason.NOT_FOUND, missing.reason());
                assertTrue(missing.getMessage().startsWith("original: 'nope' must name a function-pointer variable defined in "
                        + file + ", e.g. int (*nope)(int);"), missing.getMessage());
                TfixException function = assertThrows(TfixException.class, () -> s.replace(spec("compute", "compute_v2", "compute_v3")));
                assertEquals(Reason.BAD_INPUT, function.reason());
                assertTrue(function.getMessage().contains("(it is a function)"), function.getMessage());
                TfixException small = assertThrows(TfixException.class, () -> s.replace(spec("compute", "compute_v2", "not_a_pointer")));
                assertTrue(small.getMessage().contains("4 bytes"), small.getMessage());
                assertTrue(s.status().isEmpty());
            }
            assertFalse(Targets.mapsMention(t.pid(), patch().getFileName().toString()), "the patch was loaded");
            settledTick(t);
            assertNoBadAnswer(t);
            ScenarioTest.assertLetGo(t);
        }
    }
}
