package tfix.engine.guard;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * What `tfix log` shows of a journal that may be large (every write of every run, for months): read as a stream
 * of lines, a process's lines picked before any is parsed, and for the last N writes only the end of the file kept.
 */
public final class JournalReader {
    private final Journal journal;

    public JournalReader(Journal journal) {
        this.journal = journal;
    }

    /**
     * The entries a reader wants ({@link Journal#unsettledIntentsKept}), of one process or all ({@code pid} null),
     * the last {@code last} of them or all ({@code last} null).
     */
    public List<Journal.Entry> entries(Integer pid, Integer last) throws IOException {
        if (last == null) {
            return Journal.unsettledIntentsKept(lines(pid, 0).entries());
        }
        // An outcome usually follows its intent, so about twice as many lines as writes; widen until enough.
        for (long window = 2L * last + 64; ; window *= 4) {
            Tail tail = lines(pid, (int) Math.min(window, Integer.MAX_VALUE));
            List<Journal.Entry> kept = Journal.unsettledIntentsKept(tail.entries());
            if (kept.size() >= last || !tail.cut() || window >= Integer.MAX_VALUE) {
                return kept.subList(Math.max(0, kept.size() - last), kept.size());
            }
        }
    }

    /** The file's last {@code keep} lines of the process (all when 0), parsed; whether earlier ones were left out. */
    private Tail lines(Integer pid, int keep) throws IOException {
        ArrayDeque<String> kept = new ArrayDeque<>();
        boolean cut = false;
        if (Files.exists(journal.file())) {
            String mark = pid == null ? null : "\"pid\":" + pid + ",";
            try (BufferedReader in = Files.newBufferedReader(journal.file(), StandardCharsets.UTF_8)) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (line.isBlank() || (mark != null && !line.contains(mark))) {
                        continue;
                    }
                    kept.addLast(line);
                    if (keep > 0 && kept.size() > keep) {
                        kept.removeFirst();
                        cut = true;
                    }
                }
            }
        }
        List<Journal.Entry> entries = new ArrayList<>(kept.size());
        for (String line : kept) {
            Journal.Entry e = Journal.fromJson(line);
            if (pid == null || e.pid() == pid) { // the mark is a quick filter; the parsed pid decides
                entries.add(e);
            }
        }
        return new Tail(entries, cut);
    }

    private record Tail(List<Journal.Entry> entries, boolean cut) {
    }
}
