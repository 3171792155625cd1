package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import tfix.engine.patch.ReplaceSpec;
import tfix.engine.record.AppliedPatch;
import tfix.engine.record.RecordStore;
import tfix.engine.testing.CTargets;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;

/** Issue 15, item 8: the record has no ceiling a user can reach, and an apply does not cost more as the history grows. */
class RecordGrowthTest extends EngineTest {
    static final int FUNCTIONS = 2000;
    /**
     * Each cycle writes about 350 KB of record: the first 1 MiB record is full by the third apply, and each remade
     * record (twice what it holds) fills again a few cycles later. Six cycles remake it at least once and reach
     * apply and revert from a remade record; the twenty of before repeated the same path (73 s in CI).
     */
    static final int CYCLES = 6;
    /** What the target prints: the sum of f_i(1) over every function, each original f_i(1) = 2i+1. */
    static final long ORIGINAL = (long) FUNCTIONS * FUNCTIONS, PATCHED = ORIGINAL + FUNCTIONS;

    static Path[] build() {
        StringBuilder target = new StringBuilder("#include <stdio.h>\n#include <time.h>\n#include <unistd.h>\n");
        StringBuilder patch = new StringBuilder();
        for (int i = 0; i < FUNCTIONS; i++) {
            target.append(String.format("__attribute__((noinline)) int f%d(int x) { volatile int k = %d; return x * k + k + 1; }%n", i, i));
            patch.append(String.format("int f%d_v2(int x) { volatile int k = %d; return x * k + k + 2; }%n", i, i));
        }
        target.append("typedef int (*fn)(int);\nstatic fn all[] = {");
        for (int i = 0; i < FUNCTIONS; i++) {
            target.append(i == 0 ? "" : ",").append('f').append(i);
        }
        target.append("};\n").append("""
                int main(void) {
                    setvbuf(stdout, NULL, _IOLBF, 0);
                    printf("ready pid=%d\\n", getpid());
                    long last = -1;
                    for (;;) {
                        long sum = 0;
                        for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++) sum += all[i](1);
                        if (sum != last) { printf("sum=%ld\\n", sum); last = sum; }
                        struct timespec ts = {0, 2000000L}; nanosleep(&ts, NULL);
                    }
                }
                """);
        return new Path[] {CTargets.compile("many.c", target.toString(), "-O1"),
                CTargets.compile("many_patch.c", patch.toString(), "-O1", "-shared", "-fPIC")};
    }

    static List<String> recordMappings(int pid) throws Exception {
        return Files.readAllLines(Path.of("/proc", Integer.toString(pid), "maps")).stream()
                .filter(l -> l.contains("/memfd:" + RecordStore.NAME)).map(l -> l.substring(0, l.indexOf(' '))).toList();
    }

    @Test
    void aTwoThousandFunctionTransactionAppliedAndRevertedSixTimes() throws Exception {
        Path[] built = build();
        List<ReplaceSpec> specs = new ArrayList<>();
        for (int i = 0; i < FUNCTIONS; i++) {
            specs.add(ReplaceSpec.of("f" + i, "f" + i + "_v2", built[1]));
        }
        List<Double> seconds = new ArrayList<>();
        Set<Integer> transactions = new java.util.HashSet<>();
        Set<Integer> ids = new java.util.HashSet<>();
        Set<String> records = new java.util.LinkedHashSet<>();
        try (RunningTarget t = RunningTarget.startPast("sum=" + ORIGINAL, built[0])) {
            for (int c = 1; c <= CYCLES; c++) {
                long t0 = System.nanoTime();
                try (TfixSession s = attach(t)) {
                    s.transaction(specs);
                    List<AppliedPatch> on = s.status();
                    assertEquals(FUNCTIONS, on.size(), "cycle " + c);
                    int tx = on.get(0).transaction();
                    assertTrue(transactions.add(tx), "transaction id " + tx + " reused in cycle " + c);
                    for (AppliedPatch p : on) {
                        assertTrue(ids.add(p.id()), "patch id " + p.id() + " reused in cycle " + c);
                    }
                    t.awaitLine("sum=" + PATCHED);
                }
                ScenarioTest.assertLetGo(t);
                try (TfixSession s = attach(t)) {
                    assertEquals(FUNCTIONS, s.status().size(), "status from a later run, cycle " + c);
                    assertEquals(FUNCTIONS, s.revertTransaction(transactions.stream().max(Integer::compare).orElseThrow())
                            .patches().size());
                    assertEquals(List.of(), s.status(), "cycle " + c);
                    t.awaitLine("sum=" + ORIGINAL);
                }
                ScenarioTest.assertLetGo(t);
                seconds.add((System.nanoTime() - t0) / 1e9);
                List<String> mapped = recordMappings(t.pid());
                assertEquals(1, mapped.size(), "one record mapping, none left behind, after cycle " + c + ": " + mapped);
                records.addAll(mapped);
                System.out.printf("record cycle %d: apply+revert of %d functions in %.2f s%n", c, FUNCTIONS, seconds.get(c - 1));
            }
        }
        // 2000 patches write about 350 KB a cycle: the 1 MiB record of before was full by the third apply.
        assertTrue(records.size() > 1, "the record was never remade: " + records);
        System.out.println("record mappings over the cycles: " + records);
        System.out.println("record cycles (s): " + seconds.stream().map(d -> String.format("%.2f", d))
                .collect(Collectors.joining(" ")));
    }

    /** A run killed while remaking the record leaves a mapping without magic, or two whole records: both are settled. */
    @Test
    void recordsLeftByARunKilledWhileRemakingTheRecord() throws Exception {
        Path exe = tfix.engine.testing.Targets.exe("stale_record.c");
        Path patch = tfix.engine.testing.Targets.patch("scorer_patch.c");
        try (RunningTarget t = RunningTarget.start(exe)) {
            String ready = t.output().stream().filter(l -> l.contains("newer=")).findFirst().orElseThrow();
            String newer = ready.substring(ready.indexOf("newer=") + 6);
            t.awaitLine("compute=40");
            assertEquals(3, recordMappings(t.pid()).size());
            try (TfixSession s = attach(t)) {
                assertEquals(List.of(), s.status());
                s.replace("compute", null, "compute_v2", patch);
                List<AppliedPatch> on = s.status();
                assertEquals(41, on.get(0).id(), "ids go on from the newer record's counters");
            }
            t.awaitLine("compute=1005");
            List<String> left = recordMappings(t.pid());
            assertEquals(1, left.size(), "the stale and the older record are unmapped: " + left);
            assertTrue(left.get(0).startsWith(newer + "-"), left + " is not the newer record at " + newer);
            try (TfixSession s = attach(t)) {
                s.revert("compute");
            }
            t.awaitLine("compute=40");
            ScenarioTest.assertLetGo(t);
        }
    }

    /** A record filled by another program (or an older tfix) is remade by the revert itself: revert never fails for room. */
    @Test
    void aFullRecordStillReverts() throws Exception {
        Path exe = tfix.engine.testing.Targets.exe("scorer.c");
        Path patch = tfix.engine.testing.Targets.patch("scorer_patch.c");
        try (RunningTarget t = RunningTarget.startPast("compute=40", exe)) {
            try (TfixSession s = attach(t)) {
                s.replace("compute", null, "compute_v2", patch);
            }
            t.awaitLine("compute=1005");
            long[] m = HostileRecordTest.recordMapping(t.pid());
            long used = java.nio.ByteBuffer.wrap(tfix.engine.testing.Targets.peek(t.pid(), m[0] + 8, 8))
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
            // Events of a newer tfix (ignored when read) up to 4 bytes before the end: no room for "revert\t1\n".
            StringBuilder fill = new StringBuilder();
            long left = m[1] - 16 - used - 4;
            while (left > 0) {
                int line = left >= 66 ? 58 : (int) left;
                fill.append("future\t").append("x".repeat(line - 8)).append('\n');
                left -= line;
            }
            HostileRecordTest.poke(t.pid(), m[0] + 16 + used, fill.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            HostileRecordTest.poke(t.pid(), m[0] + 8, HostileRecordTest.le(used + fill.length()));
            try (TfixSession s = attach(t)) {
                assertEquals(1, s.status().size());
                assertEquals(1, s.revert("compute").patches().size());
                assertEquals(List.of(), s.status());
            }
            t.awaitLine("compute=40");
            ScenarioTest.assertLetGo(t);
            assertEquals(1, recordMappings(t.pid()).size());
        }
    }
}
