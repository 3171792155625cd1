package tfix.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;
import tfix.cli.repl.Repl;

/** `tfix repl`: the interactive session (tfix.cli.repl). */
@Command(name = "repl", mixinStandardHelpOptions = true, description = "Interactive session over the same DSL: completion, history, help; Ctrl-D detaches and leaves.")
final class ReplCommand implements Callable<Integer> {
    @Option(names = "--pid", description = "Attach to this process at start; bound as `pid`.")
    Integer pid;

    @CommandLine.Mixin
    Main.Common common;

    @Override
    public Integer call() {
        return Cli.guard(common.debug, () -> new Repl(new Repl.Settings(common.options(), common.debug, pid)).run());
    }
}
