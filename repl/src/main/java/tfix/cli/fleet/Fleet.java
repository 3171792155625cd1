package tfix.cli.fleet;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;

/**
 * Runs one command over many processes: a small pool of workers, each process handled by one worker
 * at a time (never two tracers on one process), each process's text printed whole under its pid as it
 * finishes, then the summary. In JSON mode the objects go to standard output and the text to standard error.
 */
final class Fleet {
    private final String command;
    private final int parallel;
    private final boolean json;
    private final PrintStream out;
    private final PrintStream err;

    Fleet(String command, int parallel, boolean json, PrintStream out, PrintStream err) {
        this.command = command;
        this.parallel = parallel;
        this.json = json;
        this.out = out;
        this.err = err;
    }

    private PrintStream text() {
        return json ? err : out;
    }

    /** Runs {@code job} for every pid (null: a process left out); returns the summary once all are done. */
    FleetSummary run(List<Integer> pids, IntFunction<ProcessResult> job) throws InterruptedException {
        long t0 = System.nanoTime();
        List<ProcessResult> results = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(parallel, pids.size())), r -> {
            Thread t = new Thread(r, "tfix-fleet");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<ProcessResult>> futures = new ArrayList<>();
            for (int pid : pids) {
                futures.add(pool.submit(() -> {
                    ProcessResult r = job.apply(pid);
                    if (r != null) {
                        print(r);
                    }
                    return r;
                }));
            }
            for (Future<ProcessResult> f : futures) {
                try {
                    ProcessResult r = f.get();
                    if (r != null) {
                        results.add(r); // null: a process the command leaves out (host-wide status, nothing in force)
                    }
                } catch (ExecutionException e) {
                    // An Error in one process's work (out of memory...): its session is closed; let the command fail.
                    if (e.getCause() instanceof Error error) {
                        throw error;
                    }
                    throw new IllegalStateException(e.getCause());
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return new FleetSummary(command, List.copyOf(results), (System.nanoTime() - t0) / 1e6);
    }

    /** One process's block, whole: its lines prefixed with its pid, then its outcome when it did not succeed. */
    synchronized void print(ProcessResult r) {
        StringBuilder sb = new StringBuilder();
        String prefix = "[" + r.pid() + "] ";
        r.text().lines().forEach(l -> sb.append(prefix).append(l).append('\n'));
        if (r.message() != null) {
            sb.append(prefix).append(r.outcome().word()).append(": ").append(r.message()).append('\n');
        }
        PrintStream t = text();
        t.print(sb);
        t.flush();
        if (json) {
            JsonLines.print(out, r.json());
        }
    }

    /** The summary: a line on the text stream, and its object in JSON mode. */
    void summarize(FleetSummary s) {
        text().println("tfix " + command + ": " + s.line());
        text().flush();
        if (json) {
            JsonLines.print(out, s.json());
        }
    }
}
