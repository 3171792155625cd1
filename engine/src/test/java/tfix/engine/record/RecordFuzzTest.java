package tfix.engine.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.Chars;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;
import tfix.engine.testing.Bounded;

/** The record parser on arbitrary and mutated text: a valid log or one RECORD line, never another exception or a hang. */
class RecordFuzzTest {
    private static final Duration LIMIT = Duration.ofSeconds(5);

    /** Parses, and when the text reads, uses every view of it (what tfix does next with a record). */
    static PatchLog readAndUse(String text) {
        return Bounded.parse(() -> {
            PatchLog log = PatchLog.parse(text);
            log.nextId();
            log.nextTransaction();
            log.islands();
            log.usedSlots();
            List<AppliedPatch> on = log.inForce(AppliedPatch::patch);
            PatchLog again = PatchLog.parse(new String(log.compacted(AppliedPatch::patch), StandardCharsets.UTF_8));
            assertEquals(on.stream().map(AppliedPatch::id).toList(),
                    again.inForce(AppliedPatch::patch).stream().map(AppliedPatch::id).toList(), "compaction keeps what is in force");
            assertTrue(again.nextId() >= log.nextId(), "ids are never reused after compaction");
            return log;
        }, LIMIT);
    }

    @Property(tries = 600, seed = "15")
    void arbitraryText(@ForAll @StringLength(max = 400) String text) {
        readAndUse(text);
    }

    @Property(tries = 600, seed = "15")
    void textMadeOfTheRecordsOwnCharacters(@ForAll @StringLength(max = 400)
                                           @Chars({'\t', '\n', '\\', '-', ' '}) @CharRange(from = '0', to = '9')
                                           @CharRange(from = 'a', to = 'z') String text) {
        readAndUse(text);
    }

    @Provide
    Arbitrary<String> validLog() {
        Arbitrary<String> line = Combinators.combine(Arbitraries.integers().between(1, 8), Arbitraries.longs().between(1, 6),
                Arbitraries.of("applied", "revert", "reverted", "aborted", "superseded", "future")).as((id, site, after) -> {
                    AppliedPatch p = new AppliedPatch(id, id % 3, "f" + id, "/bin/x", site << 12, site << 12,
                            new byte[] {0x55, 0x48}, new byte[] {(byte) 0xe9, id.byteValue()}, "g", 0x5000, "/p.so", 1,
                            id % 2 == 0 ? 0x7f00_0000_0000L + id * 64 : 0);
                    return new String(PatchLog.applyEvent(p), StandardCharsets.UTF_8) + after + "\t" + id + "\n";
                });
        return line.list().ofMaxSize(6).map(ls -> "island\t7f0000000000\t1000\n" + String.join("", ls));
    }

    /** A valid record, then edits: characters replaced, inserted or deleted anywhere, as a forger or a bit flip would. */
    @Property(tries = 600, seed = "15")
    void mutatedRecords(@ForAll("validLog") String log, @ForAll @Size(max = 6) List<@net.jqwik.api.constraints.IntRange(
            min = 0, max = 100_000) Integer> edits, @ForAll @Chars({'\t', '\n', '0', 'f', '-', 'x', '\\', '\u0000', '\u00ff'})
            char with) {
        StringBuilder sb = new StringBuilder(log);
        for (int e : edits) {
            if (sb.isEmpty()) {
                break;
            }
            int at = e % sb.length();
            switch (e % 3) {
                case 0 -> sb.setCharAt(at, with);
                case 1 -> sb.insert(at, with);
                default -> sb.deleteCharAt(at);
            }
        }
        readAndUse(sb.toString());
    }

    @Property(tries = 600, seed = "15")
    void decodeOfArbitraryFields(@ForAll @Size(max = 16) List<@StringLength(max = 40) String> fields) {
        Bounded.parse(() -> AppliedPatch.decode(fields.toArray(new String[0]), 0, 1), LIMIT);
    }
}
