package tfix.patchgen;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One compile the build ran, as the wrapper recorded it: its folder and arguments (the compiler first).
 *
 * @param cwd  the folder it ran in
 * @param args the compiler and its arguments
 */
record CompileCommand(Path cwd, List<String> args) {
    private static final Set<String> SOURCES = Set.of(".c", ".cc", ".cpp", ".cxx", ".C", ".c++");
    /** Options that write dependency files: dropped from the re-runs, which must write only their assembler. */
    private static final Set<String> DEPS_WITH_ARG = Set.of("-MF", "-MT", "-MQ");
    private static final Set<String> DEPS = Set.of("-MD", "-MMD", "-MP", "-M", "-MM");

    /** The source file it compiles, or null for a link or a preprocessor run. */
    Path source() {
        if (!args.contains("-c")) {
            return null;
        }
        for (int i = 1; i < args.size(); i++) {
            String a = args.get(i);
            if (!a.startsWith("-") && !args.get(i - 1).equals("-o") && SOURCES.stream().anyMatch(a::endsWith)) {
                return cwd.resolve(a).normalize();
            }
        }
        return null;
    }

    /** The output of -o, or null. */
    Path output() {
        int i = args.indexOf("-o");
        return i >= 0 && i + 1 < args.size() ? cwd.resolve(args.get(i + 1)).normalize() : null;
    }

    /** The same compile moved from tree {@code from} to tree {@code to} (folder and any argument naming a path in it). */
    CompileCommand movedTo(Path from, Path to) {
        List<String> moved = args.stream().map(a -> a.replace(from.toString(), to.toString())).toList();
        return new CompileCommand(to.resolve(from.relativize(cwd).toString()), moved);
    }

    /**
     * The compile as assembler, one section per function and per variable, written to {@code asm}: its flags kept
     * (the code must be the binary's), -c, -o and dependency options replaced.
     */
    List<String> toAssembler(Path asm) {
        List<String> out = new ArrayList<>();
        out.add(args.get(0));
        for (int i = 1; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("-o") || DEPS_WITH_ARG.contains(a)) {
                i++;
            } else if (!a.equals("-c") && !DEPS.contains(a)) {
                out.add(a);
            }
        }
        out.addAll(List.of("-S", "-ffunction-sections", "-fdata-sections", "-o", asm.toString()));
        return out;
    }

    boolean usesLto() {
        return args.stream().anyMatch(a -> a.startsWith("-flto") && !a.equals("-fno-lto"));
    }
}
