package tfix.cli.watch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import tfix.engine.ExecCatcher;
import tfix.engine.process.FileIdentity;
import tfix.engine.process.MemoryMap;
import tfix.engine.process.ProcessScan;

/**
 * The watch: patches every process of the target running now, then every one that starts later, until
 * stopped. A new process of a program is caught at its execve and held at its entry point while it is patched;
 * a process that may map a library later (dlopen) is looked at every poll period until the library appears in its
 * maps (then patched), or it exits. Each process is patched on its own thread; one failing stops nothing.
 */
final class Watcher {
    private final WatchTarget target;
    private final PatchJob job;
    private final ExecSource source;
    private final ExecCatcher catcher;
    private final int pollMillis;
    private final boolean debug;
    private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "tfix-watch-patch");
        t.setDaemon(true);
        return t;
    });
    private final Map<PatchJob.Outcome, Integer> counts = new EnumMap<>(PatchJob.Outcome.class);
    /** Processes handed to a job, while they live: each is patched once, whatever the events say later. */
    private final Set<Integer> taken;
    /** Processes started since the watch began that may map the library later. */
    private final Set<Integer> pending = new HashSet<>();
    private volatile boolean stopping;

    Watcher(WatchTarget target, PatchJob job, ExecSource source, ExecCatcher catcher, Set<Integer> taken, int pollMillis,
            boolean debug) {
        this.taken = taken;
        this.catcher = catcher;
        this.target = target;
        this.job = job;
        this.source = source;
        this.pollMillis = pollMillis;
        this.debug = debug;
    }

    /** Any thread (a signal handler): the loop ends at its next wake-up; jobs in progress finish. */
    void stop() {
        stopping = true;
    }

    /** Runs until stopped; returns the exit code (1 when a patch failed). */
    int run() {
        // Running it, or mapping it as code: another tfix maps the files it reads (ELF parsing), not as code.
        var running = new ProcessScan().using(target.identity()).stream()
                .filter(pid -> target.library() ? mapsTarget(pid).orElse(false) : runsTarget(pid)).toList();
        say(String.format("watching %s (%s): %d process%s running it; new processes through %s; stop with Ctrl-C or"
                + " SIGTERM", target.path(), target.kind(), running.size(), running.size() == 1 ? "" : "es", source.describe()));
        for (int pid : running) {
            submit(pid, false);
        }
        long nextPoll = System.nanoTime();
        while (!stopping) {
            for (NewProcess p : source.next()) {
                if (p.seized() != null) {
                    start(p.pid(), p.seized()); // held at its exec and seized by the source: always patched
                } else if (stopping) {
                    break;
                } else if (runsTarget(p.pid())) {
                    submit(p.pid(), true);
                } else if (target.library()) {
                    pending.add(p.pid());
                }
            }
            if (System.nanoTime() - nextPoll >= 0) {
                // A pid comes back once its process is gone (the kernel reuses pids): forget it then.
                taken.removeIf(pid -> !Files.exists(Path.of("/proc", Integer.toString(pid))));
                pollPending();
                nextPoll = System.nanoTime() + pollMillis * 1_000_000L;
            }
        }
        workers.shutdown();
        try {
            while (!workers.awaitTermination(1, TimeUnit.SECONDS)) {
                // a job in progress runs to its end (or its rollback): never leave a process half-patched
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (counts) {
            int failed = counts.getOrDefault(PatchJob.Outcome.FAILED, 0);
            say(String.format("watch stopped: %d patched, %d already patched, %d failed, %d gone; running processes keep"
                    + " their patches", counts.getOrDefault(PatchJob.Outcome.PATCHED, 0),
                    counts.getOrDefault(PatchJob.Outcome.ALREADY, 0), failed, counts.getOrDefault(PatchJob.Outcome.GONE, 0)));
            return failed > 0 ? 1 : 0;
        }
    }

    private boolean runsTarget(int pid) {
        return FileIdentity.of(Path.of("/proc", Integer.toString(pid), "exe")).map(target.identity()::equals).orElse(false);
    }

    /**
     * A library is loaded when its code shows in the maps: dlopen has mapped it. It may still be relocating it:
     * the engine borrows no thread inside the loader, and its code writes wait while one runs there.
     */
    private void pollPending() {
        for (Iterator<Integer> it = pending.iterator(); it.hasNext(); ) {
            int pid = it.next();
            Optional<Boolean> maps = mapsTarget(pid);
            if (maps.isEmpty()) {
                it.remove(); // exited
            } else if (maps.get()) {
                it.remove();
                submit(pid, false);
            }
        }
    }

    private Optional<Boolean> mapsTarget(int pid) {
        try (Stream<String> lines = Files.lines(Path.of("/proc", Integer.toString(pid), "maps"))) {
            return Optional.of(lines.anyMatch(l -> {
                try {
                    MemoryMap m = MemoryMap.parse(l);
                    return m.executable() && target.identity().isMappedBy(m);
                } catch (RuntimeException e) {
                    return false;
                }
            }));
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    private void submit(int pid, boolean atExec) {
        if (!taken.add(pid)) {
            return;
        }
        start(pid, atExec ? catcher.seize(pid, false) : null); // at once, here: its loader is running
    }

    private void start(int pid, ExecCatcher.Seized seized) {
        workers.execute(() -> {
            PatchJob.Outcome o = job.run(pid, seized, debug);
            synchronized (counts) {
                counts.merge(o, 1, Integer::sum);
            }
        });
    }

    private static void say(String line) {
        synchronized (System.out) {
            System.out.println(line);
            System.out.flush();
        }
    }
}
