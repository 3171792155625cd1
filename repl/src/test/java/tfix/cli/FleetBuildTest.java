package tfix.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tfix.engine.elf.ElfImage;
import tfix.engine.elf.Symbol;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/**
 * Issue 10: what a fleet command works out once per build (symbol tables, the far plan) never stands in for a
 * process's own code. Processes of one program whose bytes at the site differ from the file are planned from their
 * own bytes and refused, whether their turn comes first or last; the others are patched.
 */
class FleetBuildTest {
    /** compute() begins movl $8,-4(%rsp) (c7 44 24 fc 08 00 00 00), the first bytes any jump replaces. */
    private static final byte[] FIRST = {(byte) 0xc7, 0x44, 0x24, (byte) 0xfc, 0x08, 0, 0, 0};
    /** The same instruction patched by hand to store 9: compute(5) returns 45. */
    private static final byte[] BY_HAND = {(byte) 0xc7, 0x44, 0x24, (byte) 0xfc, 0x09, 0, 0, 0};

    @Test
    void aProcessWhoseCodeDiffersFromItsBuildIsPlannedFromItsOwnBytes(@TempDir Path dir) throws Exception {
        Path exe = dir.resolve("member");
        Files.copy(Targets.exe("fleet_member.c"), exe);
        Path patch = dir.resolve("member_patch.so");
        Files.copy(Targets.patch("fleet_member_patch.c"), patch);
        Symbol compute = ElfImage.read(exe).symbols().stream().filter(s -> s.name().equals("compute")).findFirst().orElseThrow();
        List<RunningTarget> targets = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {
                targets.add(RunningTarget.startPast("value=40", exe));
            }
            targets.sort(Comparator.comparingInt(RunningTarget::pid)); // the command takes them in pid order
            List<RunningTarget> changed = List.of(targets.get(0), targets.get(4)); // the first turn and the last
            for (RunningTarget t : changed) {
                long at = base(t.pid(), exe) + compute.value();
                assertArrayEquals(FIRST, read(t.pid(), at, FIRST.length), "the test's premise: compute as gcc -O1 builds it");
                patchByHand(t.pid(), at + 4, BY_HAND[4]);
                t.awaitLine("value=45");
            }

            CliTest.Result run = CliTest.tfix("exec", "attach pid; replace 'compute' with 'compute_v2' from '" + patch + "'",
                    "--all", exe.toString(), "--parallel", "2");
            assertEquals(1, run.exit(), run.err() + run.out());
            assertTrue(run.out().contains("5 processes: 3 patched, 0 already patched, 0 skipped, 2 failed (2 UNSAFE_SITE)"),
                    run.out());
            for (RunningTarget t : targets) {
                if (changed.contains(t)) {
                    assertTrue(run.out().lines().anyMatch(l -> l.startsWith("[" + t.pid() + "] failed: ")
                            && l.contains("cannot replace compute: the bytes at") && l.contains("someone else changed them")
                            && l.endsWith("no patch was loaded")), run.out());
                    assertArrayEquals(BY_HAND, read(t.pid(), base(t.pid(), exe) + compute.value(), BY_HAND.length),
                            "left as it was");
                    assertEquals("value=45", t.output().get(t.output().size() - 1));
                } else {
                    assertTrue(run.out().contains("[" + t.pid() + "] replaced compute with compute_v2"), run.out());
                    t.awaitLine("value=1005");
                }
                assertTrue(t.alive());
                assertFalse(t.traced());
            }
        } finally {
            targets.forEach(RunningTarget::close);
        }
    }

    /** Where the program's first mapping (file offset 0) starts in the process: its load bias (a PIE linked at 0). */
    private static long base(int pid, Path exe) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(pid), "maps"))) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 6 && f[5].equals(exe.toString()) && Long.parseLong(f[2], 16) == 0) {
                return Long.parseUnsignedLong(f[0].substring(0, f[0].indexOf('-')), 16);
            }
        }
        throw new AssertionError("no mapping of " + exe + " in process " + pid);
    }

    private static byte[] read(int pid, long at, int n) throws Exception {
        try (RandomAccessFile mem = new RandomAccessFile("/proc/" + pid + "/mem", "r")) {
            mem.seek(at);
            byte[] b = new byte[n];
            mem.readFully(b);
            return b;
        }
    }

    /** Changes code the way another tool would; one byte, written whole, so no thread can run half-written code. */
    private static void patchByHand(int pid, long at, byte value) throws Exception {
        try (RandomAccessFile mem = new RandomAccessFile("/proc/" + pid + "/mem", "rw")) {
            mem.seek(at);
            mem.write(value);
        }
    }
}
