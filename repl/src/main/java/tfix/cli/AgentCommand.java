package tfix.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/** `tfix agent --path`: where libtfix-agent.so is, for LD_PRELOAD="$(tfix agent --path)". */
@Command(name = "agent", mixinStandardHelpOptions = true, description = "The in-process agent, for processes tfix may"
        + " not trace: start them with LD_PRELOAD=\"$(tfix agent --path)\"; tfix then reaches them through it.")
public final class AgentCommand implements Callable<Integer> {
    @Option(names = "--path", description = "Print the path of libtfix-agent.so.")
    boolean path;

    @Option(names = "--debug", description = "Print stack traces for errors.")
    boolean debug;

    @Override
    public Integer call() {
        if (!path) {
            CommandLine.usage(this, System.out);
            return 2;
        }
        return Cli.guard(debug, () -> System.out.println(find()));
    }

    /** The built library of this installation, or a failure saying how to build it. */
    public static Path find() {
        List<Path> homes = IncludeDir.homes();
        for (Path home : homes) {
            Path lib = home.resolve("agent/build/libtfix-agent.so").toAbsolutePath().normalize();
            if (Files.isRegularFile(lib)) {
                return lib;
            }
        }
        throw new TfixException(Reason.NOT_FOUND, "libtfix-agent.so is not built (looked in " + homes.stream()
                .map(h -> h.resolve("agent/build").toString()).limit(3).toList() + "): build it with `make -C agent`"
                + " in the tfix checkout (the project's build does it)");
    }
}
