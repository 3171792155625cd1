package tfix.engine.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import tfix.engine.TfixSession;
import tfix.engine.patch.ReplaceSpec;
import tfix.engine.process.ProcessScan;
import tfix.engine.testing.EngineTest;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/** The record read through /proc/PID/mem, without attaching: what host-wide status shows. */
class RecordReaderTest extends EngineTest {

    @Test
    void readsWhatTheSessionSeesWithoutTracingAndFindsTheRecordsMapping() throws Exception {
        Path exe = Targets.exe("scorer.c");
        Path patch = Targets.patch("scorer_patch.c");
        try (RunningTarget t = RunningTarget.startPast("compute=40", exe);
             RunningTarget never = RunningTarget.startPast("compute=40", exe)) {
            List<AppliedPatch> seen;
            try (TfixSession s = attach(t)) {
                s.replace(ReplaceSpec.of("compute", "compute_v2", patch));
                seen = s.status();
            }
            t.awaitLine("compute=1005");
            List<AppliedPatch> read = RecordReader.inForce(t.pid()).orElseThrow();
            assertEquals(seen.size(), read.size());
            assertEquals(seen.get(0).function(), read.get(0).function());
            assertEquals(seen.get(0).site(), read.get(0).site());
            assertFalse(t.traced(), "reading the record attaches to nothing");
            assertTrue(RecordReader.inForce(never.pid()).isEmpty(), "no record: nothing to read");

            List<Integer> withRecord = new ProcessScan().mapping("/memfd:" + RecordStore.NAME);
            assertTrue(withRecord.contains(t.pid()) && !withRecord.contains(never.pid()), withRecord.toString());

            try (TfixSession s = attach(t)) {
                s.revertAll();
            }
            assertEquals(List.of(), RecordReader.inForce(t.pid()).orElseThrow(), "a record with nothing in force");
        }
    }
}
