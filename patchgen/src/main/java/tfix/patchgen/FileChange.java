package tfix.patchgen;

import java.nio.file.Path;

/**
 * One compiled file the diff may change: its compile, its assembler before and after, their comparison.
 *
 * @param source  the source file, relative to the tree
 * @param cwdNew  the compile's folder in the patched tree (the assembler names files relative to it)
 */
record FileChange(String source, CompileCommand compile, Path cwdNew, AsmUnits old, AsmUnits fresh, FunctionDiff diff) {
    String baseName() {
        return Path.of(source).getFileName().toString();
    }
}
