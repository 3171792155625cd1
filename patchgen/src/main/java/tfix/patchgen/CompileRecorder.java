package tfix.patchgen;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/**
 * Runs the user's build in a scratch tree with CC and CXX set to a wrapper that records each compiler run (folder
 * and arguments) before running the real compiler, so every file can later be compiled again exactly as the build
 * compiled it. For make, CC= and CXX= are also given on its command line (they beat the Makefile's own).
 */
final class CompileRecorder {
    private final Path scratch;
    private final String cc;
    private final String cxx;

    CompileRecorder(Path scratch, String cc, String cxx) {
        this.scratch = scratch;
        this.cc = cc;
        this.cxx = cxx;
    }

    List<CompileCommand> build(Path tree, String buildCommand) {
        Path log = scratch.resolve("logs/compiles.log");
        Path ccWrapper = wrapper("cc", cc);
        Path cxxWrapper = wrapper("c++", cxx);
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", buildCommand
                + (buildCommand.trim().startsWith("make") ? " CC=" + ccWrapper + " CXX=" + cxxWrapper : "")));
        Map<String, String> env = new HashMap<>(Map.of("CC", ccWrapper.toString(), "CXX", cxxWrapper.toString(),
                "TFIX_BUILD_LOG", log.toString()));
        ChildRun r = ChildRun.run(tree, env, scratch.resolve("logs/build.log"), cmd);
        if (r.exit() != 0) {
            throw new TfixException(Reason.BAD_INPUT, "the build (" + buildCommand + ") failed in a copy of --source,"
                    + " exit " + r.exit() + ": " + r.tail(3) + " (give the command that builds it with --build)");
        }
        List<CompileCommand> compiles = read(log);
        if (compiles.stream().noneMatch(c -> c.source() != null)) {
            throw new TfixException(Reason.BAD_INPUT, "the build (" + buildCommand + ") compiled nothing through $CC or"
                    + " $CXX: give a --build that compiles the whole tree with them (for make: a clean tree, or make -B)");
        }
        return compiles;
    }

    /** A shell script that appends "folder, count, arguments", one a line, under a lock (make -j), then runs the compiler. */
    private Path wrapper(String name, String real) {
        Path bin = scratch.resolve("bin");
        Path file = bin.resolve(name);
        String script = "#!/bin/sh\n"
                + "# tfix build: record this compile, then run the real compiler.\n"
                + "(\n  flock 9\n  printf '%s\\n' \"$PWD\" \"$#\"\n  for a in \"$0\" \"$@\"; do printf '%s\\n' \"$a\"; done\n"
                + ") 9>>\"$TFIX_BUILD_LOG\" >>\"$TFIX_BUILD_LOG\"\n"
                + "exec " + real + " \"$@\"\n";
        try {
            Files.createDirectories(bin);
            Files.writeString(file, script);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new TfixException(Reason.IO, "cannot write the compiler wrapper " + file + ": " + e.getMessage());
        }
        return file;
    }

    private List<CompileCommand> read(Path log) {
        List<CompileCommand> out = new ArrayList<>();
        if (!Files.exists(log)) {
            return out;
        }
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            int i = 0;
            while (i + 1 < lines.size()) {
                Path cwd = Path.of(lines.get(i));
                int n = Integer.parseInt(lines.get(i + 1));
                List<String> args = new ArrayList<>(lines.subList(i + 2, i + 3 + n));
                args.set(0, args.get(0).endsWith("c++") ? cxx : cc);
                out.add(new CompileCommand(cwd, List.copyOf(args)));
                i += 3 + n;
            }
        } catch (IOException | RuntimeException e) {
            throw new TfixException(Reason.IO, "cannot read the compile log " + log + ": " + e.getMessage()
                    + " (an argument with a newline?)");
        }
        return out;
    }
}
