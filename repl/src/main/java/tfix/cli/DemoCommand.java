package tfix.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;

@Command(name = "demo", description = "Build the sample game server, patch its bug live, show its state kept, revert.")
final class DemoCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("tfix: demo not yet wired");
        return 1;
    }
}
