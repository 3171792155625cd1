package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.record.AppliedPatch;
import tfix.engine.record.RecordStore;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/** Issue 15, item 9: the record lives in the target, whose owner can forge it, and names the files tfix opens. */
class HostileRecordTest extends EngineTest {
    private static final String ESC = "\u001b]0;pwned\u0007\u001b[2J";

    /** The record mapping's start and size, from the target's maps. */
    static long[] recordMapping(int pid) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc", Integer.toString(pid), "maps"))) {
            if (l.contains("/memfd:" + RecordStore.NAME)) {
                String[] range = l.substring(0, l.indexOf(' ')).split("-");
                long start = Long.parseUnsignedLong(range[0], 16);
                return new long[] {start, Long.parseUnsignedLong(range[1], 16) - start};
            }
        }
        throw new AssertionError("no record mapping in process " + pid);
    }

    static void poke(int pid, long address, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(Path.of("/proc", Integer.toString(pid), "mem"), StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(bytes), address);
        }
    }

    static byte[] le(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    /** Rewrites the record's text (keeping its magic), as the target's owner could. */
    static void rewriteText(int pid, Function<String, String> change) throws IOException {
        long[] m = recordMapping(pid);
        long used = ByteBuffer.wrap(Targets.peek(pid, m[0] + 8, 8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String text = new String(Targets.peek(pid, m[0] + 16, (int) used), StandardCharsets.UTF_8);
        byte[] now = change.apply(text).getBytes(StandardCharsets.UTF_8);
        poke(pid, m[0] + 16, now);
        poke(pid, m[0] + 8, le(now.length));
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aForgedRecordIsOneRecordLineAndTheTargetIsLeftAsItWas() throws Exception {
        Path exe = Targets.exe("scorer.c");
        Path patch = Targets.patch("scorer_patch.c");
        try (RunningTarget t = RunningTarget.startPast("compute=40", exe)) {
            long site;
            try (TfixSession s = attach(t)) {
                site = s.replace("compute", null, "compute_v2", patch).plan().site();
            }
            t.awaitLine("compute=1005");
            long[] m = recordMapping(t.pid());
            byte[] jump = Targets.peek(t.pid(), site, 5);
            byte[] record = Targets.peek(t.pid(), m[0], 4096);
            long used = ByteBuffer.wrap(record, 8, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            byte[] garbage = new byte[200];
            new java.util.Random(15).nextBytes(garbage);
            Map<String, long[][]> forgeries = new java.util.LinkedHashMap<>();
            // {address, value} pairs; value < 0 marks a write of the garbage bytes
            forgeries.put("garbage", new long[][] {{m[0] + 16 + 20, -1}});
            forgeries.put("a truncated line", new long[][] {{m[0] + 8, used - 1}});
            forgeries.put("a huge length", new long[][] {{m[0] + 8, 1L << 40}});
            forgeries.put("a negative length", new long[][] {{m[0] + 8, -16}});
            forgeries.put("a length past the mapping", new long[][] {{m[0] + 8, m[1]}});
            forgeries.put("a wrong magic", new long[][] {{m[0], ByteBuffer.wrap("TFIXREC9".getBytes(StandardCharsets.US_ASCII))
                    .order(ByteOrder.LITTLE_ENDIAN).getLong()}});
            for (Map.Entry<String, long[][]> f : forgeries.entrySet()) {
                for (long[] w : f.getValue()) {
                    poke(t.pid(), w[0], w[1] == -1 ? garbage : le(w[1]));
                }
                byte[] forged = Targets.peek(t.pid(), m[0], 4096);
                try (TfixSession s = attach(t)) {
                    for (Function<TfixSession, Object> op : List.<Function<TfixSession, Object>>of(TfixSession::status,
                            TfixSession::verify, TfixSession::revertAll, x -> x.revert("compute"), x -> x.revertTransaction(1),
                            x -> x.replace("compute", null, "compute_v2", patch))) {
                        TfixException e = assertThrows(TfixException.class, () -> op.apply(s), f.getKey());
                        assertEquals(Reason.RECORD, e.reason(), f.getKey() + ": " + e.getMessage());
                        assertFalse(e.getMessage().contains("\n"), e.getMessage());
                        assertTrue(e.getMessage().contains("damaged"), e.getMessage());
                    }
                }
                System.out.println(f.getKey() + " -> " + assertThrows(TfixException.class, () -> {
                    try (TfixSession s = attach(t)) {
                        s.status();
                    }
                }).getMessage());
                ScenarioTest.assertLetGo(t);
                assertArrayEquals(jump, Targets.peek(t.pid(), site, 5), f.getKey() + ": the patched code was changed");
                assertArrayEquals(forged, Targets.peek(t.pid(), m[0], 4096), f.getKey() + ": tfix wrote to a damaged record");
                poke(t.pid(), m[0], record); // the owner puts the record back
            }
            try (TfixSession s = attach(t)) {
                assertEquals(1, s.status().size());
                s.revert("compute");
            }
            t.awaitLine("compute=40");
            ScenarioTest.assertLetGo(t);
        }
    }

    @Test
    // A separate thread: a tfix blocked in open(2) on a FIFO cannot be interrupted, and the test must still end.
    @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aFifoOrDevZeroAsThePatchFileIsRefusedPromptly(@TempDir Path dir) throws Exception {
        Path exe = Targets.exe("scorer.c");
        Path fifo = dir.resolve("fifo.so");
        Path zero = dir.resolve("zero.so");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        Files.createSymbolicLink(zero, Path.of("/dev/zero"));
        try (RunningTarget t = RunningTarget.startPast("compute=40", exe)) {
            for (Path bad : List.of(fifo, zero)) {
                try (TfixSession s = attach(t)) {
                    TfixException e = assertThrows(TfixException.class, () -> s.replace("compute", null, "compute_v2", bad));
                    assertEquals(Reason.BAD_PATCH_FILE, e.reason(), e.getMessage());
                    System.out.println(e.getMessage());
                }
                ScenarioTest.assertLetGo(t);
            }
            // The record names a patch file that is then swapped for a FIFO, or a link to /dev/zero: revert
            // and status hash it for the journal, and must neither hang nor read for ever.
            for (Path swapTo : List.of(Path.of("fifo"), Path.of("/dev/zero"))) {
                Path copy = dir.resolve("libswap-" + swapTo.getFileName() + ".so");
                Files.copy(Targets.patch("scorer_patch.c"), copy);
                try (TfixSession s = attach(t)) {
                    s.replace("compute", null, "compute_v2", copy);
                }
                t.awaitLine("compute=1005");
                Files.delete(copy);
                if (swapTo.isAbsolute()) {
                    Files.createSymbolicLink(copy, swapTo);
                } else {
                    assertEquals(0, new ProcessBuilder("mkfifo", copy.toString()).start().waitFor());
                }
                try (TfixSession s = attach(t)) {
                    assertEquals(1, s.status().size());
                    assertEquals(1, s.revert("compute").patches().size());
                }
                t.awaitLine("compute=40");
                ScenarioTest.assertLetGo(t);
                Files.delete(copy);
            }
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void namesWithTerminalEscapesArePrintedEscaped(@TempDir Path dir) throws Exception {
        Path exe = Targets.exe("scorer.c");
        Path evil = dir.resolve("lib" + ESC + "evil.so");
        Files.copy(Targets.patch("scorer_patch.c"), evil);
        try (RunningTarget t = RunningTarget.startPast("compute=40", exe)) {
            try (TfixSession s = attach(t)) {
                assertPrintable(s.replace("compute", null, "compute_v2", evil).toString());
            }
            t.awaitLine("compute=1005");
            // The owner renames the function in the record to one with escapes.
            rewriteText(t.pid(), text -> text.replace("\tcompute\t", "\tcomp" + ESC + "ute\t"));
            try (TfixSession s = attach(t)) {
                List<AppliedPatch> on = s.status();
                assertEquals("comp" + ESC + "ute", on.get(0).function(), "the record as the owner wrote it");
                s.verify().forEach(v -> assertPrintable(v.toString()));
                TfixException e = assertThrows(TfixException.class, () -> s.revert("nope" + ESC));
                assertPrintable(e.getMessage());
                assertPrintable(s.revertAll().toString());
            }
            t.awaitLine("compute=40");
            ScenarioTest.assertLetGo(t);
        }
    }

    static void assertPrintable(String text) {
        System.out.println(text);
        assertFalse(text.chars().anyMatch(c -> c == 0x1b || c == 0x07), "control characters printed: " + text);
        assertTrue(text.contains("\\x1b"), "escaped: " + text);
    }
}
