package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.inspect.SymbolQuery;
import tfix.engine.testing.Await;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.InspectTargets;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/** Issue 13: the inspection verbs on real processes (symbols, disas, threads, where). */
class InspectTest extends EngineTest {
    static final int FUNCTIONS = InspectTargets.FUNCTIONS;
    static final int VARIABLES = InspectTargets.VARIABLES;
    static final int STATICS = InspectTargets.STATICS;

    static Path manySymbols() {
        return InspectTargets.manySymbols();
    }

    static Path framePointers() {
        return InspectTargets.framePointers();
    }

    static List<Long> addresses(List<String> rows) {
        List<Long> out = new ArrayList<>();
        for (String r : rows) {
            if (r.startsWith("0x")) {
                out.add(Long.parseUnsignedLong(r.split("\\s+")[0].substring(2), 16));
            }
        }
        return out;
    }

    @Test
    void symbolsAreSortedCountedAndPagedWithTheirKinds() throws Exception {
        live(manySymbols(), "sum=", (t, s) -> {
            Pattern command = Pattern.compile("Command$");
            int total = FUNCTIONS + VARIABLES + STATICS + 2;
            int pages = (total + SymbolQuery.PAGE_SIZE - 1) / SymbolQuery.PAGE_SIZE;
            List<String> all = new ArrayList<>();
            for (int p = 1; p <= pages; p++) {
                final int page = p;
                List<String> out = s.inspect(i -> i.symbols(new SymbolQuery(command, null, null, page)));
                String head = String.format("%d symbols match (page %d of %d: %d-%d)", total, p, pages,
                        (p - 1) * SymbolQuery.PAGE_SIZE + 1, Math.min(total, p * SymbolQuery.PAGE_SIZE));
                assertTrue(out.get(0).startsWith(head), out.get(0));
                assertEquals(p < pages, out.get(0).contains("next: symbols ~/Command$/, page: " + (p + 1)), out.get(0));
                assertEquals(Math.min(SymbolQuery.PAGE_SIZE, total - (p - 1) * SymbolQuery.PAGE_SIZE), out.size() - 1);
                all.addAll(out.subList(1, out.size()));
            }
            assertEquals(total, all.size());
            List<Long> addresses = addresses(all);
            List<Long> sorted = new ArrayList<>(addresses);
            sorted.sort(Long::compareUnsigned);
            assertEquals(sorted, addresses, "sorted by address");
            assertEquals(FUNCTIONS, all.stream().filter(l -> l.matches("0x\\S+\\s+\\d+  function\\s+.*!f\\d{3}_Command")).count());
            assertEquals(VARIABLES, all.stream().filter(l -> l.matches("0x\\S+\\s+4  variable\\s+.*!v\\d{3}_Command")).count());
            assertEquals(STATICS, all.stream().filter(l -> l.matches("0x\\S+\\s+4  static variable \\(many_symbols-\\w+\\.c\\).*!s\\d{3}_Command"))
                    .count(), String.join("\n", all));
            assertTrue(all.stream().anyMatch(l -> l.matches("tls\\+0x\\S+\\s+4  thread-local variable\\s+.*!tls_Command")), String.join("\n", all));
            assertTrue(all.stream().anyMatch(l -> l.matches("0x\\S+\\s+\\d+  IFUNC\\s+.*!ifn_Command")), String.join("\n", all));
            // Functions come before variables in this executable's layout: the sort is by address, not by name.
            assertTrue(all.get(0).contains("!f000_Command"), all.get(0));

            List<String> vars = s.inspect(i -> i.symbols(new SymbolQuery(command, "variable", null, 1)));
            assertTrue(vars.get(0).startsWith((VARIABLES + STATICS) + " symbols match"), vars.get(0));
            List<String> tls = s.inspect(i -> i.symbols(new SymbolQuery(command, "tls", null, 1)));
            assertEquals(List.of("1 symbol matches"), tls.subList(0, 1));

            List<String> inLibc = s.inspect(i -> i.symbols(new SymbolQuery(command, null, "libc.so.6", 1)));
            assertEquals(List.of("0 symbols match"), inLibc);
            TfixException noLib = assertThrows(TfixException.class,
                    () -> s.inspect(i -> i.symbols(new SymbolQuery(command, null, "libnosuch.so", 1))));
            assertEquals(Reason.NOT_FOUND, noLib.reason());
            TfixException late = assertThrows(TfixException.class,
                    () -> s.inspect(i -> i.symbols(new SymbolQuery(command, null, null, pages + 1))));
            assertEquals(Reason.BAD_INPUT, late.reason());
            assertTrue(late.getMessage().contains("fill " + pages + " pages"), late.getMessage());
            TfixException kind = assertThrows(TfixException.class, () -> new SymbolQuery(command, "struct", null, 1));
            assertTrue(kind.getMessage().contains("kind: takes 'function', 'variable', 'tls', 'ifunc'"), kind.getMessage());
        }, InspectTest::runsFree);
    }

    @Test
    void disasNamesCallTargetsAndRipOperandsAndMarksTheThreadThere() throws Exception {
        live(framePointers(), "spinning", (t, s) -> {
            List<String> outer = s.inspect(i -> i.disassemble("outer"));
            assertTrue(outer.stream().anyMatch(l -> l.matches(".*call 0x[0-9a-f]+ <inner>")), String.join("\n", outer));
            List<String> inner = s.inspect(i -> i.disassemble("inner"));
            String text = String.join("\n", inner);
            assertTrue(inner.stream().anyMatch(l -> l.matches(".*\\[rip \\+ 0x[0-9a-f]+\\].*# 0x[0-9a-f]+ <spins\\+0x0>")), text);
            assertTrue(inner.stream().anyMatch(l -> l.contains("<stop+0x0>")), text);
            // The main thread spins in inner's loop: its instruction is marked, with its thread id.
            List<String> marked = inner.stream().filter(l -> l.startsWith("=>")).toList();
            assertEquals(1, marked.size(), text);
            assertTrue(marked.get(0).endsWith("<= thread " + t.pid()), text);
            assertTrue(inner.stream().filter(l -> !l.startsWith("=>")).allMatch(l -> l.startsWith("   0x")), text);
        }, InspectTest::runsFree);
    }

    /** The frames listed under a thread's line in `threads`. */
    static List<String> framesOf(List<String> threads, int tid) {
        List<String> out = new ArrayList<>();
        boolean in = false;
        for (String l : threads) {
            if (l.matches("\\s*\\d+ .*")) {
                in = l.trim().startsWith(tid + " ");
                continue;
            }
            if (in) {
                out.add(l.trim());
            }
        }
        return out;
    }

    @Test
    void threadsFollowTheFramePointerChain() throws Exception {
        live(framePointers(), "spinning", (t, s) -> {
            List<String> threads = s.inspect(i -> i.threads());
            String text = String.join("\n", threads);
            List<String> main = framesOf(threads, t.pid());
            assertTrue(main.size() >= 3, text);
            assertFrame(main.get(0), 0, "inner", false, text);
            assertFrame(main.get(1), 1, "outer", false, text);
            assertFrame(main.get(2), 2, "main", false, text);
            // The other thread waits in pause(), called from waiter: libc keeps no frame pointer, its frames may be guesses.
            int worker = Integer.parseInt(threads.stream().filter(l -> l.matches("\\s*\\d+ .*") && !l.trim().startsWith(t.pid() + " "))
                    .findFirst().orElseThrow().trim().split("\\s+")[0]);
            assertTrue(framesOf(threads, worker).stream().anyMatch(l -> l.contains(" waiter+0x")), text);
        }, InspectTest::runsFree);
    }

    static void assertFrame(String line, int n, String function, boolean guess, String all) {
        assertTrue(line.matches("#" + n + "\\s+0x[0-9a-f]+ " + function + "\\+0x[0-9a-f]+ \\(backtrace-\\w+\\)" + (guess ? "  \\?" : "")),
                "frame #" + n + " should be " + function + (guess ? " (a guess)" : "") + ": " + all);
    }

    @Test
    void withoutFramePointersTheFramesAreMarkedAsGuesses() throws Exception {
        live(Targets.exe("backtrace.c", "-fomit-frame-pointer"), "spinning", (t, s) -> {
            List<String> threads = s.inspect(i -> i.threads());
            String text = String.join("\n", threads);
            List<String> main = framesOf(threads, t.pid());
            assertFrame(main.get(0), 0, "inner", false, text);
            Matcher outer = Pattern.compile("#(\\d+) .* outer\\+0x[0-9a-f]+ \\(backtrace-\\w+\\)  \\?").matcher(text);
            assertTrue(outer.find(), text);
            Matcher caller = Pattern.compile("#(\\d+) .* main\\+0x[0-9a-f]+ \\(backtrace-\\w+\\)  \\?").matcher(text);
            assertTrue(caller.find(), text);
            assertTrue(Integer.parseInt(outer.group(1)) < Integer.parseInt(caller.group(1)), text);
            assertTrue(main.contains("(no frame-pointer chain: the frames after #0 are guesses)"), text);
            assertTrue(text.contains("? : a stack word pointing just after a call instruction"), text);
        }, InspectTest::runsFree);
    }

    @Test
    void whereNamesTheThreadsInAFunctionOrWithItOnTheirStack() throws Exception {
        live(framePointers(), "spinning", (t, s) -> {
            // "spinning" is printed once the worker thread exists, not once it waits in pause() under waiter.
            awaitThreadInPause(t.pid());
            List<String> inner = s.inspect(i -> i.where("inner"));
            assertEquals("1 of 2 threads is in inner or has it on its stack:", inner.get(0), String.join("\n", inner));
            assertTrue(inner.get(1).matches("thread " + t.pid() + " \\(backtrace-\\w+\\) is in inner: #0 inner\\+0x.*"), inner.get(1));
            List<String> outer = s.inspect(i -> i.where("outer"));
            assertTrue(outer.get(1).matches("thread " + t.pid() + " .* has outer on its stack: #1 outer\\+0x.*"), outer.get(1));
            List<String> waiter = s.inspect(i -> i.where("waiter"));
            assertEquals(2, waiter.size(), String.join("\n", waiter));
            assertFalse(waiter.get(1).startsWith("thread " + t.pid() + " "), waiter.get(1));
            assertTrue(waiter.get(1).contains("waiter on its stack"), waiter.get(1));
            List<String> nobody = s.inspect(i -> i.where("worker"));
            assertTrue(nobody.get(0).equals("no thread is in worker or has it on its stack (2 threads looked at)")
                    || nobody.get(1).contains("worker on its stack"), String.join("\n", nobody));
            TfixException missing = assertThrows(TfixException.class, () -> s.inspect(i -> i.where("no_such_function")));
            assertEquals(Reason.NOT_FOUND, missing.reason());
        }, InspectTest::runsFree);
    }

    @Test
    void aThreadInATimedEpollWaitIsReadWithoutStoppingIt() throws Exception {
        // Past its first wake-up: a new two-second wait has just begun.
        live(Targets.exe("timed_waiter.c"), "woke rc=", (t, s) -> {
            List<String> threads = s.inspect(i -> i.threads());
            String text = String.join("\n", threads);
            List<String> main = framesOf(threads, t.pid());
            assertTrue(main.contains("(not stopped: a stop would end its epoll_wait early with EINTR; the frames after #0 are guesses)"),
                    text);
            assertTrue(main.stream().anyMatch(l -> l.matches("#\\d+\\s+0x[0-9a-f]+ poller\\+0x[0-9a-f]+ \\(timed_waiter-\\w+\\)  \\?")), text);
            // The wait ran its course: no EINTR reached the program.
            assertEquals("woke rc=0 errno=0", t.awaitLine("woke rc="));
        }, InspectTest::runsFree);
    }

    /** Left running, untraced, never stopped. */
    static void runsFree(RunningTarget t) {
        assertTrue(t.alive(), "target died");
        assertFalse(t.traced(), "target still traced");
        assertTrue(t.state().map(c -> c != 't' && c != 'T').orElse(false), "target left stopped");
    }

    /** Until a thread other than the main one is blocked in pause() (system call 34), as /proc shows it. */
    private static void awaitThreadInPause(int pid) {
        Await.until(Duration.ofSeconds(10), () -> {
            try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
                return tasks.filter(p -> !p.getFileName().toString().equals(String.valueOf(pid))).anyMatch(p -> {
                    try {
                        return Files.readString(p.resolve("syscall")).startsWith("34 ");
                    } catch (IOException e) {
                        return false;
                    }
                });
            }
        });
    }
}
