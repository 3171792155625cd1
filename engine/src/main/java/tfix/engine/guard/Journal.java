package tfix.engine.guard;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The journal of every write tfix makes to a target: time, user, pid, address, old and
 * new bytes, patch file and its digest. One JSON object per line, appended under a
 * file lock, in /var/log/tfix/journal.jsonl (root) or the user's XDG state folder;
 * TFIX_JOURNAL names another file.
 */
public final class Journal {
    private final Path file;
    /** How the writes reached the process, added to every line; null for none. */
    private final String route;

    /** One write, as the journal keeps it. */
    public record Entry(String time, String user, int pid, String action, String function, long address,
                        String oldBytes, String newBytes, String patchFile, String patchSha256, String source) {
        /** {@code patchFile}: the file loaded (the patch store's copy); {@code source}: the user's file it came from, or null. */
        public Entry(String time, String user, int pid, String action, String function, long address, String oldBytes,
                     String newBytes, String patchFile, String patchSha256) {
            this(time, user, pid, action, function, address, oldBytes, newBytes, patchFile, patchSha256, null);
        }

        /** The same write under another action, stamped now (its intent before, its failure after). */
        public Entry as(String otherAction) {
            return new Entry(Instant.now().toString(), user, pid, otherAction, function, address, oldBytes, newBytes,
                    patchFile, patchSha256, source);
        }

        /** The same write, naming the user's file its patch was stored from. */
        public Entry from(String userFile) {
            return new Entry(time, user, pid, action, function, address, oldBytes, newBytes, patchFile, patchSha256, userFile);
        }
    }

    /** The action of the line written just before a write: "apply" is announced as "apply?". */
    public static String intent(String action) {
        return action + "?";
    }

    /** The action of the line written when a write failed: "apply" failed is "apply!". */
    public static String failed(String action) {
        return action + "!";
    }

    /**
     * The entries a reader wants: every outcome, and an intent only when no outcome of it follows (the run
     * that wrote it was cut short, so the write may or may not have happened: the target's record tells).
     */
    public static List<Entry> unsettledIntentsKept(List<Entry> all) {
        List<Entry> out = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            Entry e = all.get(i);
            if (e.action() != null && e.action().endsWith("?") && settledLater(all, i)) {
                continue;
            }
            out.add(e);
        }
        return out;
    }

    private static boolean settledLater(List<Entry> all, int i) {
        Entry intent = all.get(i);
        String action = intent.action().substring(0, intent.action().length() - 1);
        for (int j = i + 1; j < all.size(); j++) {
            Entry e = all.get(j);
            if (e.pid() == intent.pid() && e.address() == intent.address()
                    && (action.equals(e.action()) || failed(action).equals(e.action()))) {
                return true;
            }
        }
        return false;
    }

    public Journal(Path file) {
        this(file, null);
    }

    private Journal(Path file, String route) {
        this.file = file;
        this.route = route;
    }

    /** The same journal, its lines saying how tfix reached the process ("ptrace" or "agent"). */
    public Journal routed(String how) {
        return new Journal(file, how);
    }

    public static Journal standard(int euid) {
        String env = System.getenv("TFIX_JOURNAL");
        if (env != null && !env.isBlank()) {
            return new Journal(Path.of(env));
        }
        if (euid == 0) {
            return new Journal(Path.of("/var/log/tfix/journal.jsonl"));
        }
        String state = System.getenv("XDG_STATE_HOME");
        Path base = state != null && !state.isBlank() ? Path.of(state) : Path.of(System.getProperty("user.home"), ".local", "state");
        return new Journal(base.resolve("tfix").resolve("journal.jsonl"));
    }

    public Path file() {
        return file;
    }

    public static Entry entry(int pid, String action, String function, long address, byte[] before, byte[] after,
                              String patchFile, String sha256) {
        return new Entry(Instant.now().toString(), System.getProperty("user.name"), pid, action, function, address,
                HexFormat.of().formatHex(before), HexFormat.of().formatHex(after), patchFile, sha256);
    }

    public void append(List<Entry> entries) throws IOException {
        if (entries.isEmpty()) {
            return;
        }
        Path dir = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-x---")));
        }
        StringBuilder sb = new StringBuilder();
        for (Entry e : entries) {
            String line = toJson(e);
            sb.append(route == null ? line : line.substring(0, line.length() - 1) + ",\"route\":" + q(route) + "}").append('\n');
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND); FileLock lock = ch.lock()) {
            ch.write(ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8)));
        }
    }

    public List<Entry> read() throws IOException {
        List<Entry> out = new ArrayList<>();
        if (!Files.exists(file)) {
            return out;
        }
        for (String line : Files.readAllLines(file)) {
            if (!line.isBlank()) {
                out.add(fromJson(line));
            }
        }
        return out;
    }

    static String toJson(Entry e) {
        return "{\"time\":" + q(e.time()) + ",\"user\":" + q(e.user()) + ",\"pid\":" + e.pid() + ",\"action\":" + q(e.action())
                + ",\"function\":" + q(e.function()) + ",\"address\":" + q(String.format("%#x", e.address()))
                + ",\"old\":" + q(e.oldBytes()) + ",\"new\":" + q(e.newBytes()) + ",\"patch\":" + q(e.patchFile())
                + ",\"sha256\":" + q(e.patchSha256()) + (e.source() == null ? "" : ",\"source\":" + q(e.source())) + "}";
    }

    private static String q(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    /** Reads back what {@link #toJson} writes: flat objects of strings and integers. */
    static Entry fromJson(String line) {
        Map<String, String> f = new HashMap<>();
        int i = line.indexOf('{') + 1;
        while (i < line.length()) {
            int ks = line.indexOf('"', i);
            if (ks < 0) {
                break;
            }
            int ke = line.indexOf('"', ks + 1);
            String key = line.substring(ks + 1, ke);
            int colon = line.indexOf(':', ke);
            int v = colon + 1;
            String value;
            if (line.charAt(v) == '"') {
                StringBuilder sb = new StringBuilder();
                int j = v + 1;
                for (; line.charAt(j) != '"'; j++) {
                    char c = line.charAt(j);
                    if (c == '\\') {
                        char n = line.charAt(++j);
                        switch (n) {
                            case 'n' -> sb.append('\n');
                            case 't' -> sb.append('\t');
                            case 'u' -> {
                                sb.append((char) Integer.parseInt(line.substring(j + 1, j + 5), 16));
                                j += 4;
                            }
                            default -> sb.append(n);
                        }
                    } else {
                        sb.append(c);
                    }
                }
                value = sb.toString();
                i = j + 1;
            } else {
                int end = v;
                while (end < line.length() && line.charAt(end) != ',' && line.charAt(end) != '}') {
                    end++;
                }
                value = line.substring(v, end).trim();
                value = value.equals("null") ? null : value;
                i = end;
            }
            f.put(key, value);
        }
        String addr = f.getOrDefault("address", "0x0");
        return new Entry(f.get("time"), f.get("user"), Integer.parseInt(f.getOrDefault("pid", "0")), f.get("action"),
                f.get("function"), Long.parseUnsignedLong(addr.substring(2), 16), f.get("old"), f.get("new"),
                f.get("patch"), f.get("sha256"), f.get("source"));
    }
}
