package tfix.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Placeholder until the interactive REPL lands: says so plainly. */
@Command(name = "repl", description = "Interactive session over the same DSL (not yet available).")
final class ReplCommand implements Callable<Integer> {
    @Option(names = "--pid")
    Integer pid;

    @Override
    public Integer call() {
        System.err.println("tfix: the REPL is not built yet; use `tfix exec \"...\"` or `tfix run SCRIPT`");
        return 1;
    }
}
