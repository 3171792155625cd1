package tfix.patchgen;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/**
 * Applies the diff with GNU patch, always after a dry run that must succeed whole: exact context (no fuzz), the
 * strip level found as patch would find it (-p1, then -p0) unless given. A hunk that does not apply is refused
 * naming its file and header.
 */
final class DiffApply {
    private static final Pattern FILE = Pattern.compile("^(?:checking|patching) file (.+)$");
    private static final Pattern FAILED = Pattern.compile("^Hunk #(\\d+) FAILED at (\\d+).*$");

    private final Path diffFile;
    private final UnifiedDiff diff;
    private final Path logs;

    DiffApply(Path diffFile, UnifiedDiff diff, Path logs) {
        this.diffFile = diffFile;
        this.diff = diff;
        this.logs = logs;
    }

    /** The strip level that names files of {@code tree}: {@code given} if not null, else 1 or 0. */
    int stripFor(Path tree, Integer given) {
        List<Integer> tries = given != null ? List.of(given) : List.of(1, 0);
        ChildRun last = null;
        for (int p : tries) {
            last = dryRun(tree, p);
            if (!last.output().contains("can't find file to patch") && !last.output().contains("No file to patch")) {
                refuseFailedHunks(last);
                return p;
            }
        }
        throw new TfixException(Reason.BAD_INPUT, "the diff names files that are not in --source (tried " + tries.stream()
                .map(p -> "-p" + p).toList() + ", first file " + diff.files().get(0).newPath() + "): give the tree the"
                + " diff was made against, or the strip level with -p N");
    }

    void apply(Path tree, int strip) {
        ChildRun r = ChildRun.run(tree, Map.of(), logs.resolve("patch.log"), command(strip, false));
        if (r.exit() != 0) {
            throw new TfixException(Reason.BAD_INPUT, "patch failed after its dry run passed: " + r.tail(3));
        }
    }

    private ChildRun dryRun(Path tree, int strip) {
        return ChildRun.run(tree, Map.of(), logs.resolve("patch-dry-run.log"), command(strip, true));
    }

    private List<String> command(int strip, boolean dry) {
        List<String> cmd = new ArrayList<>(List.of("patch", "-p" + strip, "--batch", "--forward", "--fuzz=0",
                "--no-backup-if-mismatch", "-i", diffFile.toAbsolutePath().toString()));
        if (dry) {
            cmd.add("--dry-run");
        }
        return cmd;
    }

    private void refuseFailedHunks(ChildRun r) {
        String file = null;
        List<String> failed = new ArrayList<>();
        for (String line : r.output().lines().toList()) {
            Matcher f = FILE.matcher(line);
            if (f.matches()) {
                file = f.group(1).replaceAll("^'|'$", "");
            }
            Matcher h = FAILED.matcher(line);
            if (h.matches()) {
                failed.add(describe(file, Integer.parseInt(h.group(1))));
            }
        }
        if (!failed.isEmpty()) {
            throw new TfixException(Reason.BAD_INPUT, "the diff does not apply to --source: " + String.join("; ", failed)
                    + ": give the source tree the binary was built from, or a diff made against it");
        }
        if (r.exit() != 0) {
            throw new TfixException(Reason.BAD_INPUT, "the diff does not apply to --source: " + r.tail(3));
        }
    }

    private String describe(String file, int hunk) {
        for (UnifiedDiff.FileDiff f : diff.files()) {
            if (file != null && (f.newPath().endsWith(file) || f.oldPath().endsWith(file)) && hunk <= f.hunks().size()) {
                return file + " hunk #" + hunk + " (" + f.hunks().get(hunk - 1).header() + ")";
            }
        }
        return (file == null ? "?" : file) + " hunk #" + hunk;
    }
}
