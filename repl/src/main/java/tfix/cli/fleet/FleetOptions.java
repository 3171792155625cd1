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
            + " no route: auto (the default: ptrace, the agent only where ptrace is refused), agent-first (the process's agent"
            + " when it has one, else ptrace), ptrace, agent.")
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

    /**
     * The route an `attach` without `via:` takes: as given, else auto. Not agent-first over --all by default: on a loaded
     * host the agent route measured slower per process (each read is a request the target's agent thread must be
     * scheduled for), and its stop path can give a thread entering a system call EINTR.
     */
    tfix.engine.Via via() {
        return via != null ? tfix.engine.Via.named(via) : tfix.engine.Via.AUTO;
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
