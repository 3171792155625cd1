package tfix.cli.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import tfix.cli.Services;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.service.ServiceProcess;

/** A benchmark target: a {@link ServiceProcess} whose watcher thread reports its clock gaps. */
final class BenchTarget implements AutoCloseable {
    private final ServiceProcess process;
    private final List<String> lines = new ArrayList<>();

    private BenchTarget(ServiceProcess process) {
        this.process = process;
    }

    static BenchTarget start(Path binary, String... args) throws IOException, InterruptedException {
        return new BenchTarget(Services.start(binary, args));
    }

    int pid() {
        return process.pid();
    }

    /** The line the target printed when ready. */
    String readyLine() {
        return process.readyLine();
    }

    Matcher await(String regex, Duration timeout) {
        return Services.await(process, regex, timeout);
    }

    /**
     * The longest gap between two clock reads that the target's watcher saw around
     * [t0, t1] (System.nanoTime values: the same monotonic clock the target reads).
     * Waits for the watcher's report of a window that ends well after t1.
     */
    double maxGapMs(long t0, long t1) {
        return gaps(t0, t1).clockMs();
    }

    /** The longest gaps around [t0, t1]: between two clock reads, and between two of the 1 ms timer's signals. */
    record Gaps(double clockMs, double signalMs) {
    }

    Gaps gaps(long t0, long t1) {
        Pattern gap = Pattern.compile("gap t=(\\d+) max_us=(\\d+) sig_us=(\\d+)");
        long end = t1 + 200_000_000L;
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            lines.addAll(process.drain());
            long max = -1, sig = -1;
            boolean complete = false;
            for (String l : lines) {
                Matcher m = gap.matcher(l);
                if (m.find()) {
                    long t = Long.parseLong(m.group(1));
                    if (t > end) {
                        complete = true;
                    } else if (t >= t0) {
                        max = Math.max(max, Long.parseLong(m.group(2)));
                        sig = Math.max(sig, Long.parseLong(m.group(3)));
                    }
                }
            }
            if (complete) {
                lines.clear();
                return new Gaps(max / 1000.0, sig / 1000.0);
            }
            if (System.nanoTime() > deadline) {
                throw new TfixException(Reason.IO, "benchmark target stopped reporting its clock gaps (log " + process.log() + ")");
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TfixException(Reason.CANCELLED, "interrupted");
            }
        }
    }

    @Override
    public void close() {
        process.close();
    }
}
