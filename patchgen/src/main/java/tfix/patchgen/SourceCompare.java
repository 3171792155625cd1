package tfix.patchgen;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/**
 * Compiles each file the diff may change to assembler in both trees, with the build's own command (one section
 * per function and variable added) and compares them. A diff that touches a header compares every file of the
 * build: which of them include it is for the comparison to find.
 */
final class SourceCompare {
    private final ScratchTrees scratch;
    private final DiffLines lines;

    SourceCompare(ScratchTrees scratch, DiffLines lines) {
        this.scratch = scratch;
        this.lines = lines;
    }

    List<FileChange> compare(List<CompileCommand> compiles) {
        Map<String, CompileCommand> bySource = new TreeMap<>();
        for (CompileCommand c : compiles) {
            Path src = c.source();
            if (src != null && src.startsWith(scratch.old)) {
                bySource.putIfAbsent(scratch.old.relativize(src).toString(), c);
            }
        }
        for (String path : lines.paths()) {
            if (path.matches(".*\\.(c|cc|cpp|cxx|C)$") && !Files.exists(scratch.old.resolve(path))) {
                throw new TfixException(Reason.UNSUPPORTED, "the diff adds the source file " + path + ", which the build"
                        + " of the running binary does not compile: its functions cannot be reached by a function swap"
                        + " unless changed functions call them; put them in an existing file, or restart with the new build");
            }
        }
        Set<String> wanted = new LinkedHashSet<>();
        boolean all = lines.touchesOtherThan(bySource.keySet());
        for (String rel : bySource.keySet()) {
            if (all || lines.paths().contains(rel)) {
                wanted.add(rel);
            }
        }
        if (wanted.isEmpty()) {
            throw new TfixException(Reason.BAD_INPUT, "the diff changes " + lines.paths() + ", none of which the build"
                    + " compiles: the binary does not contain that code (is --build the build of --binary?)");
        }
        List<FileChange> out = new ArrayList<>();
        int n = 0;
        for (String rel : wanted) {
            CompileCommand old = bySource.get(rel);
            if (old.usesLto()) {
                throw new TfixException(Reason.UNSUPPORTED, rel + " is compiled with -flto: its code is decided at link time,"
                        + " not per file, so tfix build cannot compare it; build without LTO");
            }
            CompileCommand fresh = old.movedTo(scratch.old, scratch.fresh);
            if (!Files.exists(fresh.source())) {
                continue; // the diff deletes the file
            }
            String oldAsm = assemble(old, "old", n);
            String newAsm = assemble(fresh, "new", n);
            n++;
            AsmUnits before = new AsmUnits(AsmFile.parse(oldAsm));
            AsmUnits after = new AsmUnits(AsmFile.parse(newAsm));
            out.add(new FileChange(rel, old, fresh.cwd(), before, after, FunctionDiff.compare(before, after)));
        }
        return out;
    }

    private String assemble(CompileCommand c, String side, int n) {
        Path asm = scratch.root.resolve("asm").resolve(side + n + ".s");
        PatchBuilder.mkdirs(asm.getParent());
        ChildRun r = ChildRun.run(c.cwd(), Map.of(), scratch.logs.resolve("asm-" + side + n + ".log"), c.toAssembler(asm));
        if (r.exit() != 0) {
            throw new TfixException(Reason.BAD_INPUT, "compiling " + c.source() + " again (" + side + ") failed: "
                    + r.tail(3));
        }
        return PatchBuilder.read(asm);
    }
}
