package tfix.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tfix.cli.restart.Restarter;
import tfix.engine.Engine;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/** tfix restart --pid P: a new program in its place, handed its listening sockets, no connection refused. */
@Command(name = "restart", mixinStandardHelpOptions = true, description = "Start the program of a process again (or"
        + " --exec another) from inside it, hand it every listening socket (LISTEN_FDS), and once it accepts let the old"
        + " one stop accepting, serve its open connections to their end and exit. No connect is refused meanwhile.")
final class RestartCommand implements Callable<Integer> {
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m)?");

    @Option(names = "--pid", required = true, description = "The process to restart.")
    int pid;

    @Option(names = "--exec", paramLabel = "PATH", description = "The new program (default: the old one's executable);"
            + " it gets the old one's arguments, environment, working directory and standard streams.")
    Path exec;

    @Option(names = "--drain-timeout", paramLabel = "TIME", defaultValue = "30s", description = "How long the old process"
            + " may serve its open connections before SIGTERM (SIGKILL 10 s later); 30s, 500ms, 2m (default ${DEFAULT-VALUE}).")
    String drain;

    @Option(names = "--ready-timeout", paramLabel = "TIME", defaultValue = "10s", description = "How long the new program"
            + " may take to accept on the sockets before it is stopped and the old one serves on (default ${DEFAULT-VALUE}).")
    String ready;

    @Option(names = "--wait", description = "Also wait until the old process has exited.")
    boolean await;

    @Option(names = "--then", paramLabel = "SCRIPT", description = "A runbook to run on the new process once it is ready"
            + " (`pid` bound to it): patches in force in the old one do not carry over.")
    Path then;

    @Option(names = "--no-hook", description = "Do not preload libtfix-agent.so, whose hook hands a program that binds its own"
            + " socket the inherited one with that address (programs that read LISTEN_FDS do not need it).")
    boolean noHook;

    @CommandLine.Mixin
    Main.Common common;

    @Override
    public Integer call() {
        return Cli.guard(common.debug, () -> new Restarter(Engine.create(), common.options(), System.out)
                .run(new Restarter.Request(pid, exec, duration("--drain-timeout", drain), duration("--ready-timeout", ready),
                        await, then, !noHook)));
    }

    static Duration duration(String option, String text) {
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            throw new TfixException(Reason.BAD_INPUT, option + " " + text + ": not a time: write 30s, 500ms or 2m");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofSeconds(n);
        };
    }
}
