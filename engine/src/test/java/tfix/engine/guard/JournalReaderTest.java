package tfix.engine.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `tfix log` on a journal of many runs: one process's writes, the last N, intents settled or not, as a full read gives. */
class JournalReaderTest {
    @TempDir
    Path dir;

    private static Journal.Entry write(int pid, String action, long address) {
        return new Journal.Entry("t" + address, "root", pid, action, "f", address, "55", "e9", "/p.so", "sha");
    }

    @Test
    void oneProcessAndTheLastWritesAreWhatTheWholeJournalSays() throws IOException {
        Journal j = new Journal(dir.resolve("journal.jsonl"));
        List<Journal.Entry> all = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            int pid = i % 3 == 0 ? 12 : 123; // "pid":12, must not match "pid":123,
            all.add(write(pid, Journal.intent("apply"), i));
            all.add(write(pid, i % 7 == 0 ? Journal.failed("apply") : "apply", i));
        }
        all.add(write(12, Journal.intent("revert"), 99_999)); // cut short: no outcome follows
        j.append(all);
        JournalReader reader = new JournalReader(j);
        List<Journal.Entry> everything = Journal.unsettledIntentsKept(all);

        assertEquals(everything, reader.entries(null, null));
        assertEquals(everything.stream().filter(e -> e.pid() == 12).toList(), reader.entries(12, null));
        assertEquals(1000 + 1, reader.entries(12, null).size(), "every write of pid 12 and its unsettled intent");
        assertEquals(everything.subList(everything.size() - 5, everything.size()), reader.entries(null, 5));
        List<Journal.Entry> of12 = reader.entries(12, 3);
        assertEquals(List.of(write(12, "apply", 2994), write(12, "apply", 2997), write(12, Journal.intent("revert"), 99_999)), of12);
        assertEquals(List.of(), reader.entries(12, 0));
        assertEquals(List.of(), reader.entries(4242, null));
        assertEquals(List.of(), new JournalReader(new Journal(dir.resolve("none.jsonl"))).entries(null, 3));
    }
}
