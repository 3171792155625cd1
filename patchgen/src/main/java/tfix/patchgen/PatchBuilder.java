package tfix.patchgen;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

import tfix.engine.elf.ElfImage;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/**
 * `tfix build`, step by step: apply the diff (dry run first) to a copy of the tree, build the other copy as it is
 * while recording its compiles, compile each file the diff changes to assembler before and after, compare them
 * function by function, refuse what a function swap cannot do, prove the unpatched build is the binary, then
 * assemble and link the patch and write its runbook and report. The scratch folder goes, whatever happens.
 */
public final class PatchBuilder {
    private final BuildRequest req;
    private final Consumer<String> progress;

    public PatchBuilder(BuildRequest req, Consumer<String> progress) {
        this.req = req;
        this.progress = progress;
    }

    public BuildResult run() {
        Path source = existing(req.source(), "--source");
        Path diffFile = existing(req.diff(), "--diff");
        Path binary = existing(req.binary(), "--binary");
        if (!Files.isDirectory(source)) {
            throw new TfixException(Reason.BAD_INPUT, "--source " + source + " is not a folder: give the source tree");
        }
        UnifiedDiff diff = UnifiedDiff.parse(read(diffFile));
        ElfImage target = ElfImage.read(binary);
        Path out = req.out().toAbsolutePath().normalize();
        mkdirs(out);
        long started = System.nanoTime();
        try (ScratchTrees scratch = new ScratchTrees(out.resolve(".work"), req.keepWork())) {
            ScratchTrees.copy(source, scratch.old);
            DiffApply apply = new DiffApply(diffFile, diff, scratch.logs);
            int strip = apply.stripFor(scratch.old, req.strip());
            ScratchTrees.copy(source, scratch.fresh);
            apply.apply(scratch.fresh, strip);
            progress.accept("diff applies with -p" + strip + " (" + diff.files().size() + " file"
                    + (diff.files().size() == 1 ? "" : "s") + ")");
            List<String> producers = Producer.of(binary);
            progress.accept(producers.isEmpty() ? "the binary has no DWARF producer: using the build's own flags"
                    : "the binary was built by: " + String.join("; ", producers));
            List<CompileCommand> compiles = new CompileRecorder(scratch.root, req.cc(), req.cxx()).build(scratch.old, req.build());
            progress.accept("built --source as it is (" + req.build() + "): " + compiles.stream().filter(c -> c.source() != null)
                    .count() + " compiles recorded");
            DiffLines lines = new DiffLines(diff, strip, scratch.fresh);
            List<FileChange> changes = new SourceCompare(scratch, lines).compare(compiles);
            java.util.function.Predicate<String> inBinary = name -> !target.definitions().named(name).isEmpty()
                    || target.symbols().stream().anyMatch(s -> s.plainName().equals(name));
            Changes found = Changes.of(changes, lines, inBinary, req.inlinedCallers());
            ElfImage built = ElfImage.read(builtBinary(scratch, compiles, binary));
            BinaryMatch match = BinaryMatch.check(target, built, found.replaced());
            progress.accept("the unpatched build is " + binary + ": " + match.how());
            String tag = PatchOutput.tag(read(diffFile));
            PatchOutput output = new PatchOutput(req, target, binary, tag, inBinary);
            BuildResult result = output.write(found, scratch.root.resolve("patch"), producers, match);
            result.lines().add(String.format("built in %.1f s", (System.nanoTime() - started) / 1e9));
            return result;
        }
    }

    /** The unpatched build's file that corresponds to --binary: the link output of that name, else a file of that name. */
    private static Path builtBinary(ScratchTrees scratch, List<CompileCommand> compiles, Path binary) {
        String name = binary.getFileName().toString();
        for (CompileCommand c : compiles) {
            if (c.source() == null && c.output() != null && c.output().getFileName().toString().equals(name)
                    && Files.isRegularFile(c.output())) {
                return c.output();
            }
        }
        try (var all = Files.walk(scratch.old)) {
            return all.filter(p -> p.getFileName().toString().equals(name) && Files.isRegularFile(p)).sorted().findFirst()
                    .orElseThrow(() -> new TfixException(Reason.BAD_INPUT, "the build of --source made no file named " + name
                            + " (the --binary's name): give the binary built from this tree"));
        } catch (IOException e) {
            throw new TfixException(Reason.IO, "cannot list " + scratch.old + ": " + e.getMessage());
        }
    }

    private static Path existing(Path p, String option) {
        if (p == null || !Files.exists(p)) {
            throw new TfixException(Reason.BAD_INPUT, option + " " + p + " does not exist: give an existing path");
        }
        return p.toAbsolutePath().normalize();
    }

    static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new TfixException(Reason.IO, "cannot read " + p + ": " + e.getMessage());
        }
    }

    static void mkdirs(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new TfixException(Reason.IO, "cannot make " + dir + ": " + e.getMessage());
        }
    }
}
