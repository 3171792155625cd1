package tfix.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tfix.patchgen.BuildRequest;
import tfix.patchgen.BuildResult;
import tfix.patchgen.PatchBuilder;

/** `tfix build`: from a source tree and a diff to a patch library, its fix table and a runbook (tfix.patchgen). */
@Command(name = "build", mixinStandardHelpOptions = true, description = "Make a live patch from a source diff: builds"
        + " --source as it is and with --diff, compares them function by function, proves the build is --binary, and"
        + " writes OUT/NAME.so, OUT/NAME.tfix.groovy (tfix run it --pid N) and OUT/NAME.report.txt.")
final class BuildCommand implements Callable<Integer> {
    @Option(names = "--source", required = true, description = "The source tree the binary was built from.")
    Path source;

    @Option(names = "--diff", required = true, description = "The fix as a unified diff (git diff, diff -u).")
    Path diff;

    @Option(names = "--binary", required = true, description = "The executable or shared library to patch.")
    Path binary;

    @Option(names = "--out", required = true, description = "The output folder; its name names the patch.")
    Path out;

    @Option(names = "--build", description = "The command that builds --source (default: ${DEFAULT-VALUE}); run with CC"
            + " and CXX set to tfix's recording wrapper.", defaultValue = "make -B")
    String build;

    @Option(names = "-p", paramLabel = "N", description = "Strip N leading path components from the diff's file names"
            + " (default: found as patch finds it, -p1 then -p0).")
    Integer strip;

    @Option(names = "--cc", description = "The C compiler (default: ${DEFAULT-VALUE}).", defaultValue = "gcc")
    String cc;

    @Option(names = "--cxx", description = "The C++ compiler (default: ${DEFAULT-VALUE}).", defaultValue = "g++")
    String cxx;

    @Option(names = "--explain", description = "Print, per function, the diff lines that changed it and what it uses.")
    boolean explain;

    @Option(names = "--keep-work", description = "Keep the scratch folder OUT/.work (both trees, the assembler"
            + " compared, the logs) to look at.")
    boolean keepWork;

    @Option(names = "--inlined-callers", description = "Allow a changed inline function: replace every function it is"
            + " inlined in (without it those are listed and the build refused).")
    boolean inlinedCallers;

    @Option(names = "--debug", description = "Print stack traces for errors.")
    boolean debug;

    @Override
    public Integer call() {
        return Cli.guard(debug, () -> {
            BuildResult r = new PatchBuilder(new BuildRequest(source, diff, binary, out, build, strip, cc, cxx, keepWork, inlinedCallers),
                    line -> System.out.println(line)).run();
            if (explain) {
                r.explain().forEach(System.out::println);
            }
            r.lines().forEach(System.out::println);
        });
    }
}
