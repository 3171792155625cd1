package tfix.patchgen;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;

import tfix.engine.elf.ElfImage;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/**
 * Writes the output folder: NAME.so (the patch, its fix table pinned to the binary's build-id, its choices of
 * statics by source file), NAME.tfix.groovy (attach, apply the table as one transaction, verify, detach) and
 * NAME.report.txt. Names and orders come from the inputs only, so the same inputs give the same bytes.
 */
final class PatchOutput {
    private static final int MAX_ROUNDS = 64;

    private final BuildRequest req;
    private final ElfImage target;
    private final Path binary;
    private final String tag;
    private final Predicate<String> inBinary;

    PatchOutput(BuildRequest req, ElfImage target, Path binary, String tag, Predicate<String> inBinary) {
        this.req = req;
        this.target = target;
        this.binary = binary;
        this.tag = tag;
        this.inBinary = inBinary;
    }

    /** The first 8 hex digits of the diff's SHA-256: names the new functions, the same for the same diff. */
    static String tag(String diffText) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(diffText.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d).substring(0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    BuildResult write(Changes changes, Path dir, List<String> producers, BinaryMatch match) {
        PatchBuilder.mkdirs(dir);
        List<String> asmFiles = new ArrayList<>();
        List<String> fixes = new ArrayList<>();
        Map<String, String> refsFrom = new TreeMap<>();
        List<String> explain = new ArrayList<>();
        String lib = library();
        for (Changes.FilePlan plan : changes.files()) {
            AsmUnits units = plan.change().fresh();
            Map<String, String> renames = new LinkedHashMap<>();
            for (String f : plan.replaced().keySet()) {
                String to = f + "__tfix_" + tag;
                renames.put(f, to);
                renames.put(f + ".cold", f + ".cold__tfix_" + tag);
                fixes.add("replace " + f + " with " + to + (lib == null ? "" : " lib " + lib));
            }
            List<String> carried = new ArrayList<>(plan.carried());
            PatchAssembly pa;
            String text;
            int rounds = 0;
            while (true) {
                List<String> kept = units.functions.keySet().stream()
                        .filter(f -> renames.containsKey(f) || carried.contains(f)).toList();
                pa = new PatchAssembly(units);
                text = pa.render(kept, renames, plan.newData(), inBinary);
                List<String> missing = pa.references.values().stream().filter(r -> !r.weak()
                        && units.functions.containsKey(r.name()) && !carried.contains(r.name())).map(r -> r.name()).toList();
                if (missing.isEmpty() || ++rounds > MAX_ROUNDS) {
                    break;
                }
                carried.addAll(missing); // statics the binary has only inlined: the patch carries its own copy
            }
            for (PatchAssembly.Reference r : pa.references.values()) {
                if (!r.weak() && units.data.containsKey(r.name())) {
                    throw new TfixException(Reason.UNSUPPORTED, "the patched code of " + plan.change().source() + " uses the"
                            + " variable " + r.name() + ", which the binary's symbol table does not have (optimised away,"
                            + " or stripped): tfix cannot bind it; restart the program with the new build instead");
                }
                if (r.weak() && r.fileStatic()) {
                    String prev = refsFrom.put(r.name(), plan.change().baseName());
                    if (prev != null && !prev.equals(plan.change().baseName())) {
                        throw new TfixException(Reason.UNSUPPORTED, "the patch uses two statics named " + r.name() + " ("
                                + prev + " and " + plan.change().baseName() + "): one patch library binds a name once; split the diff");
                    }
                }
            }
            String file = "tu" + asmFiles.size() + ".s";
            write(dir.resolve(file), text);
            asmFiles.add(file);
            explain.addAll(Explain.of(plan, renames, carried, pa));
        }
        Optional<String> buildId = target.buildId();
        buildId.ifPresent(id -> fixes.add("expect buildId " + id + (lib == null ? "" : " lib " + lib)));
        StringBuilder table = new StringBuilder("\t.section\t.tfix.fixes,\"a\",@progbits\n");
        fixes.forEach(f -> table.append("\t.string\t\"").append(f).append("\"\n"));
        table.append("\t.section\t.tfix.refs,\"a\",@progbits\n");
        refsFrom.forEach((n, f) -> table.append("\t.string\t\"").append(n).append(' ').append(f).append("\"\n"));
        table.append("\t.section\t.note.GNU-stack,\"\",@progbits\n");
        Path out = req.out().toAbsolutePath().normalize();
        String name = req.name();
        Path library = out.resolve(name + ".so");
        PatchLinker.link(dir, asmFiles, table.toString(), library, req.cc());
        Path runbook = out.resolve(name + ".tfix.groovy");
        write(runbook, runbook(name, buildId, lib, changes));
        List<String> lines = new ArrayList<>();
        lines.add("patch " + library + ": replaces " + String.join(", ", changes.replaced()));
        lines.add("runbook " + runbook + " (tfix run " + runbook.getFileName() + " --pid PID)");
        Path report = out.resolve(name + ".report.txt");
        List<String> reportLines = new ArrayList<>();
        reportLines.add("tfix build of " + req.diff().getFileName() + " for " + binary);
        reportLines.add("binary: " + match.how() + buildId.map(id -> "; pinned to build-id " + id).orElse("; no build-id to pin"));
        producers.forEach(p -> reportLines.add("compiled by (DWARF producer): " + p));
        changes.files().forEach(f -> reportLines.add("compile of " + f.change().source() + ": "
                + String.join(" ", f.change().compile().args())));
        reportLines.addAll(explain);
        write(report, String.join("\n", reportLines) + "\n");
        return new BuildResult(library, runbook, report, lines, explain);
    }

    /** The library's name when --binary is a shared library (fix table entries and the pin then say lib NAME). */
    private String library() {
        String n = binary.getFileName().toString();
        return n.matches(".*\\.so(\\.\\d+)*") ? n : null;
    }

    private String runbook(String name, Optional<String> buildId, String lib, Changes changes) {
        StringBuilder s = new StringBuilder();
        s.append("// ").append(name).append(".tfix.groovy: made by tfix build from ").append(req.diff().getFileName())
                .append(" for ").append(binary.getFileName()).append(".\n");
        s.append("// Replaces ").append(String.join(", ", changes.replaced()))
                .append(" as one transaction (the fix table of ").append(name).append(".so; see ").append(name)
                .append(".report.txt).\n");
        s.append("attach pid\n");
        buildId.ifPresent(id -> s.append("expect buildId: '").append(id).append("'")
                .append(lib == null ? "" : ", lib: '" + lib + "'").append('\n'));
        s.append("apply '").append(name).append(".so'\n");
        s.append("verify\n");
        s.append("detach\n");
        return s.toString();
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new TfixException(Reason.IO, "cannot write " + file + ": " + e.getMessage());
        }
    }
}
