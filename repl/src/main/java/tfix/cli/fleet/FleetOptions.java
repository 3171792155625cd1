package tfix.cli.fleet;

import java.nio.file.Path;

import picocli.CommandLine.Option;

/** The options every process command takes for fleets and machine-readable output. */
public final class FleetOptions {
    @Option(names = "--all", paramLabel = "PATH", description = "Every process that runs this program or maps this library"
            + " (the file itself: device and inode), each on its own; not with --pid.")
    Path all;

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "2",
            description = "Processes worked on at once with --all (default ${DEFAULT-VALUE}); never two tracers on one process.")
    int parallel;

    @Option(names = "--via", paramLabel = "ROUTE", description = "How to reach each process when its script's attach names"
            + " no route: agent-first (with --all, the default: the process's agent when it has one, else ptrace), ptrace,"
            + " agent, auto (ptrace, the agent only where ptrace is refused; the default with --pid).")
    String via;

    @Option(names = "--json", description = "Results as JSON Lines on standard output (schema tfix/1), the text on standard error.")
    boolean json;

    /** For picocli, which fills the fields from the command line. */
    public FleetOptions() {
    }

    /** The options as a program gives them (tfix bench). */
    public FleetOptions(Path all, int parallel, boolean json) {
        this.all = all;
        this.parallel = parallel;
        this.json = json;
    }

    /** The route an `attach` without `via:` takes: as given, else agent-first over --all, auto for one --pid. */
    tfix.engine.Via via() {
        return via != null ? tfix.engine.Via.named(via) : all != null ? tfix.engine.Via.AGENT_FIRST : tfix.engine.Via.AUTO;
    }

    /** The same options with a route given (tfix bench). */
    public FleetOptions via(String route) {
        this.via = route;
        return this;
    }

    /** Whether the command goes through the fleet runner rather than the single-process path. */
    public boolean active() {
        return all != null || json || via != null;
    }

    public boolean all() {
        return all != null;
    }
}
