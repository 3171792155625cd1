package tfix.cli.watch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import sun.misc.Signal;
import tfix.engine.Engine;
import tfix.engine.ExecCatcher;
import tfix.engine.Options;
import tfix.engine.failure.Reason;
import tfix.engine.process.FileIdentity;
import tfix.engine.failure.TfixException;

/** tfix watch SCRIPT --all PATH: patch the processes of a program or library now and every one started later. */
@Command(name = "watch", mixinStandardHelpOptions = true,
        description = "Run a script (`pid` bound) on every process that runs or maps PATH, then on every new one as it"
                + " starts (held at its entry point until patched), until Ctrl-C or SIGTERM.")
public final class WatchCommand implements Callable<Integer> {
    @Parameters(paramLabel = "SCRIPT", description = "The .tfix.groovy script, run once per process.")
    Path script;

    @Option(names = "--all", paramLabel = "PATH", description = "The program or library whose processes to patch.")
    Path all;

    /** How new processes are found; auto takes the first the kernel gives, in this order. */
    enum Source { auto, held, connector, poll }

    @Option(names = "--source", paramLabel = "KIND", defaultValue = "auto", description = "How new processes are found:"
            + " held (fanotify exec permission events: each exec of the program waits until tfix has seized it; root),"
            + " connector (the kernel's process events connector: exec events; root), poll (/proc), or auto (the first"
            + " of these that works; a library is never held). Default ${DEFAULT-VALUE}.")
    Source source;

    @Option(names = "--poll-interval", paramLabel = "MS", defaultValue = "50",
            description = "Milliseconds between polls of /proc (default ${DEFAULT-VALUE}).")
    int pollMillis;

    @Option(names = "--debug", description = "Print stack traces for errors.")
    boolean debug;

    @Option(names = "--call-timeout", defaultValue = "10", description = "Seconds a remote call (dlopen) may take (default ${DEFAULT-VALUE}).")
    long callTimeout;

    @Option(names = "--thread-timeout", defaultValue = "2000",
            description = "Milliseconds to wait for threads to leave a patch site (default ${DEFAULT-VALUE}).")
    long threadTimeout;

    @Override
    public Integer call() {
        try {
            if (all == null) {
                throw new TfixException(Reason.BAD_INPUT, "watch needs --all PATH, the program or library whose processes"
                        + " to patch: tfix watch " + script + " --all /usr/bin/gameserver");
            }
            if (!Files.isRegularFile(script)) {
                throw new TfixException(Reason.BAD_INPUT, "script " + script + " not found: check the path");
            }
            if (pollMillis < 1 || pollMillis > 60_000) {
                throw new TfixException(Reason.BAD_INPUT, "--poll-interval " + pollMillis + ": give 1 to 60000 ms");
            }
            WatchTarget target = WatchTarget.of(all);
            Engine engine = Engine.create();
            Options options = new Options(java.time.Duration.ofSeconds(callTimeout), java.time.Duration.ofMillis(threadTimeout));
            try (ExecCatcher catcher = new ExecCatcher(engine); Sources sources = new Sources()) {
                java.util.Set<Integer> taken = java.util.concurrent.ConcurrentHashMap.newKeySet();
                ExecSource source = sources.open(engine, target, catcher, taken);
                PatchJob job = new PatchJob(engine, options, script, new Object(), pid -> target.library()
                        || FileIdentity.of(Path.of("/proc", Integer.toString(pid), "exe")).map(target.identity()::equals).orElse(false));
                Watcher w = new Watcher(target, job, source, catcher, taken, pollMillis, debug);
                Signal.handle(new Signal("INT"), s -> w.stop());
                Signal.handle(new Signal("TERM"), s -> w.stop());
                return w.run();
            }
        } catch (TfixException e) {
            System.err.println("tfix: " + e.getMessage());
            if (debug) {
                e.printStackTrace();
            }
            return e.reason() == Reason.BAD_INPUT ? 2 : 1;
        }
    }

    /** The sure source the kernel gives (root), else the next; the first line says which runs. */
    private final class Sources implements AutoCloseable {
        private ExecSource opened;

        ExecSource open(Engine engine, WatchTarget target, ExecCatcher catcher, java.util.Set<Integer> taken) {
            if ((source == Source.auto && !target.library()) || source == Source.held) {
                try {
                    return opened = new HeldExecSource(engine.nat(), target.path(), catcher, taken, Math.min(pollMillis, 100));
                } catch (TfixException e) {
                    if (source == Source.held) {
                        throw e;
                    }
                    System.out.println(e.getMessage() + ": trying the process events connector");
                }
            }
            if (source == Source.auto || source == Source.connector) {
                try {
                    return opened = new ConnectorSource(engine.nat(), Math.min(pollMillis, 100));
                } catch (TfixException e) {
                    if (source == Source.connector) {
                        throw e;
                    }
                    System.out.println("the process events connector is unavailable (" + e.getMessage() + "): polling /proc");
                }
            }
            return opened = new PollSource(pollMillis);
        }

        @Override
        public void close() {
            if (opened != null) {
                opened.close();
            }
        }
    }
}
