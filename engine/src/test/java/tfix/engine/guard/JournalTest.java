package tfix.engine.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The journal written and read back, field for field, and every line real JSON. */
class JournalTest {
    @TempDir
    Path dir;

    static final String NASTY = "q\"uote b\\ack\\\\slash new\nline tab\tcr\r nul\0 bell\u0007 esc\u001b us\u001f del\u007f"
            + " é 中文 😀 \u2028 \\n \\u0041 \"\" end\\";

    static String allControls() {
        StringBuilder sb = new StringBuilder();
        for (char c = 0; c < 0x20; c++) {
            sb.append(c);
        }
        return sb.toString();
    }

    static Journal.Entry entry(String s, int pid, long address) {
        return new Journal.Entry("2024-06-01T12:00:00.123456Z" + s, "user " + s, pid, "apply " + s, "Role::f(" + s + ")",
                address, "554889e5", "e9c5000000", "/opt/fix " + s + ".so", "sha " + s);
    }

    static void assertSame(Journal.Entry want, Journal.Entry got) {
        assertEquals(want.time(), got.time());
        assertEquals(want.user(), got.user());
        assertEquals(want.pid(), got.pid());
        assertEquals(want.action(), got.action());
        assertEquals(want.function(), got.function());
        assertEquals(want.address(), got.address(), () -> Long.toHexString(want.address()) + " read as " + Long.toHexString(got.address()));
        assertEquals(want.oldBytes(), got.oldBytes());
        assertEquals(want.newBytes(), got.newBytes());
        assertEquals(want.patchFile(), got.patchFile());
        assertEquals(want.patchSha256(), got.patchSha256());
        assertEquals(want, got);
    }

    @Test
    void everyFieldRoundTrips() throws IOException {
        List<Journal.Entry> entries = List.of(
                entry("plain", 4242, 0x401136L),
                entry(NASTY, 1, 0x7f0a_1b2c_3d4eL),
                entry(allControls(), Integer.MAX_VALUE, 0x8000_0000_0000_0000L),
                entry("", 0, 0),
                entry("vsyscall", 7, 0xffff_ffff_ff60_0000L),
                entry("all ones", 8, -1L),
                new Journal.Entry("t", "root", 9, "revert", "f", 0x7fff_ffff_ffff_ffffL, "", "", null, null));
        Journal j = new Journal(dir.resolve("journal.jsonl"));
        j.append(entries.subList(0, 3));
        j.append(List.of());
        j.append(entries.subList(3, entries.size()));

        List<Journal.Entry> back = j.read();
        assertEquals(entries.size(), back.size());
        for (int i = 0; i < entries.size(); i++) {
            assertSame(entries.get(i), back.get(i));
        }
        // One entry a line: no raw newline, CR or control character made it into the file.
        List<String> lines = Files.readAllLines(j.file(), StandardCharsets.UTF_8);
        assertEquals(entries.size(), lines.size());
        for (String line : lines) {
            assertTrue(line.chars().allMatch(c -> c >= 0x20), line);
        }
    }

    @Test
    void everyLineIsStrictJsonWithTheSameValues() throws IOException {
        List<Journal.Entry> entries = List.of(entry(NASTY, 12, 0xffff_8000_0000_1000L), entry(allControls(), 13, 0x1000),
                new Journal.Entry("t", "u", 14, "a", "f", 0, "", "", null, null));
        Journal j = new Journal(dir.resolve("journal.jsonl"));
        j.append(entries);
        List<String> lines = Files.readAllLines(j.file(), StandardCharsets.UTF_8);
        assertEquals(entries.size(), lines.size());
        for (int i = 0; i < lines.size(); i++) {
            Journal.Entry e = entries.get(i);
            Map<String, Object> o = new StrictJson(lines.get(i)).object();
            assertEquals(List.of("time", "user", "pid", "action", "function", "address", "old", "new", "patch", "sha256"),
                    new ArrayList<>(o.keySet()));
            assertEquals(e.time(), o.get("time"));
            assertEquals(e.user(), o.get("user"));
            assertEquals(Long.valueOf(e.pid()), o.get("pid"));
            assertEquals(e.action(), o.get("action"));
            assertEquals(e.function(), o.get("function"));
            assertEquals(String.format("0x%x", e.address()), o.get("address"));
            assertEquals(e.oldBytes(), o.get("old"));
            assertEquals(e.newBytes(), o.get("new"));
            assertEquals(e.patchFile(), o.get("patch"));
            assertEquals(e.patchSha256(), o.get("sha256"));
        }
        assertEquals("0xffff800000001000", new StrictJson(lines.get(0)).object().get("address"));
        assertEquals("0x0", new StrictJson(lines.get(2)).object().get("address"));
    }

    @Test
    void theStrictCheckRejectsWhatJsonForbids() {
        for (String bad : new String[] {"{\"a\":\"x\ny\"}", "{\"a\":\"\\x\"}", "{\"a\":1,}", "{\"a\":\"x\"", "{a:1}", "{\"a\":01}",
                "{\"a\":\"x\"} junk", "{\"a\":\"\t\"}"}) {
            assertThrows(IllegalArgumentException.class, () -> new StrictJson(bad).object(), bad);
        }
    }

    @Test
    void entryFactoryHexesTheBytes() throws IOException {
        Journal.Entry e = Journal.entry(77, "apply", "compute", 0x401136L, new byte[] {0x55, 0x48, (byte) 0x89, (byte) 0xe5},
                new byte[] {(byte) 0xe9, 0, 0, 0, (byte) 0x80}, "/p/fix.so", "ab".repeat(32));
        assertEquals("554889e5", e.oldBytes());
        assertEquals("e900000080", e.newBytes());
        assertEquals(System.getProperty("user.name"), e.user());
        assertTrue(e.time().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d.*Z"), e.time());
        Journal j = new Journal(dir.resolve("j.jsonl"));
        j.append(List.of(e));
        assertSame(e, j.read().get(0));
    }

    /** A run killed between a write and its outcome line leaves the intent, which the log keeps; settled ones fold. */
    @Test
    void anIntentIsShownOnlyWhenItsOutcomeNeverCame() {
        Journal.Entry apply = Journal.entry(42, "apply", "f", 0x401136L, new byte[] {1}, new byte[] {2}, "/p.so", "ab");
        Journal.Entry revert = Journal.entry(42, "revert", "f", 0x401136L, new byte[] {2}, new byte[] {1}, "/p.so", "ab");
        Journal.Entry other = Journal.entry(43, "apply", "g", 0x401136L, new byte[] {1}, new byte[] {2}, "/p.so", "ab");
        List<Journal.Entry> log = List.of(apply.as(Journal.intent("apply")), other.as(Journal.intent("apply")), apply, other,
                revert.as(Journal.intent("revert")));
        List<String> kept = Journal.unsettledIntentsKept(log).stream().map(e -> e.pid() + " " + e.action()).toList();
        assertEquals(List.of("42 apply", "43 apply", "42 revert?"), kept);
        List<Journal.Entry> failed = List.of(revert.as(Journal.intent("revert")), revert.as(Journal.failed("revert")));
        assertEquals(List.of("revert!"), Journal.unsettledIntentsKept(failed).stream().map(Journal.Entry::action).toList());
    }

    @Test
    void aMissingJournalReadsEmptyAndAppendMakesItsFolder() throws IOException {
        Journal j = new Journal(dir.resolve("state").resolve("tfix").resolve("journal.jsonl"));
        assertEquals(List.of(), j.read());
        j.append(List.of(entry("x", 1, 2)));
        assertEquals(1, j.read().size());
        String perms = PosixFilePermissions.toString(Files.getPosixFilePermissions(j.file().getParent()));
        assertEquals("rwx", perms.substring(0, 3), perms);
        assertEquals('-', perms.charAt(4), "no group write: " + perms);
        assertEquals("---", perms.substring(6), "nothing for others: " + perms);
    }

    /** A strict JSON reader for flat objects of strings, integers and null, as RFC 8259 has them. */
    static final class StrictJson {
        private final String s;
        private int i;

        StrictJson(String s) {
            this.s = s;
        }

        Map<String, Object> object() {
            Map<String, Object> m = new LinkedHashMap<>();
            expect('{');
            if (peek() != '}') {
                do {
                    String k = string();
                    expect(':');
                    if (m.put(k, value()) != null) {
                        throw new IllegalArgumentException("duplicate key " + k);
                    }
                } while (accept(','));
            }
            expect('}');
            if (i != s.length()) {
                throw new IllegalArgumentException("text after the object at " + i);
            }
            return m;
        }

        private Object value() {
            char c = peek();
            if (c == '"') {
                return string();
            }
            if (s.startsWith("null", i)) {
                i += 4;
                return null;
            }
            int start = i;
            accept('-');
            if (peek() == '0') {
                i++;
            } else if (peek() >= '1' && peek() <= '9') {
                while (i < s.length() && Character.isDigit(s.charAt(i))) {
                    i++;
                }
            } else {
                throw new IllegalArgumentException("bad value at " + i);
            }
            if (i < s.length() && Character.isDigit(s.charAt(i))) {
                throw new IllegalArgumentException("leading zero at " + start);
            }
            return Long.parseLong(s.substring(start, i));
        }

        private String string() {
            expect('"');
            StringBuilder sb = new StringBuilder();
            while (true) {
                if (i >= s.length()) {
                    throw new IllegalArgumentException("unterminated string");
                }
                char c = s.charAt(i++);
                if (c == '"') {
                    return sb.toString();
                }
                if (c < 0x20) {
                    throw new IllegalArgumentException("raw control character " + (int) c + " at " + (i - 1));
                }
                if (c != '\\') {
                    sb.append(c);
                    continue;
                }
                char e = s.charAt(i++);
                switch (e) {
                    case '"', '\\', '/' -> sb.append(e);
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case 't' -> sb.append('\t');
                    case 'u' -> {
                        String hex = s.substring(i, i + 4);
                        if (!hex.matches("[0-9a-fA-F]{4}")) {
                            throw new IllegalArgumentException("bad \\u escape " + hex);
                        }
                        sb.append((char) Integer.parseInt(hex, 16));
                        i += 4;
                    }
                    default -> throw new IllegalArgumentException("bad escape \\" + e);
                }
            }
        }

        private char peek() {
            if (i >= s.length()) {
                throw new IllegalArgumentException("unexpected end");
            }
            return s.charAt(i);
        }

        private boolean accept(char c) {
            if (i < s.length() && s.charAt(i) == c) {
                i++;
                return true;
            }
            return false;
        }

        private void expect(char c) {
            if (!accept(c)) {
                throw new IllegalArgumentException("expected " + c + " at " + i + " in " + s);
            }
        }
    }
}
