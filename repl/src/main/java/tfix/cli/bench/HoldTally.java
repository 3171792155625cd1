package tfix.cli.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import tfix.engine.timing.Holds;

/**
 * Why the target waited: per run, the longest interval in which tfix held a target thread stopped, and in which its
 * tracer did not listen (a signal then waits), by cause ({@link Holds}); printed as the medians over the runs of
 * the few longest causes.
 */
final class HoldTally {
    private static final Pattern LINE = Pattern.compile("tfix held: (stopped|deaf) ([0-9.]+) ms \\(x(\\d+)\\) (.*)");
    private final Map<String, List<Double>> byCause = new LinkedHashMap<>();

    /** One run's intervals, from this JVM's {@link Holds} (then cleared). */
    void addRun() {
        for (Holds.Longest l : Holds.longest()) {
            add((l.kind() == Holds.Kind.STOPPED ? "stopped: " : "deaf: ") + l.cause(), l.maxMillis());
        }
        Holds.enable(false);
    }

    /** One run's intervals, from a command's standard error ({@code TFIX_HOLDS=1}). */
    void addRun(String stderr) {
        Matcher m = LINE.matcher(stderr);
        while (m.find()) {
            add(m.group(1) + ": " + m.group(4), Double.parseDouble(m.group(2)));
        }
    }

    private void add(String cause, double ms) {
        byCause.computeIfAbsent(cause, k -> new ArrayList<>()).add(ms);
    }

    /** The {@code n} causes with the longest median interval, one line each. */
    void print(String title, int n) {
        System.out.println("    " + title + " (longest per run, by cause; stopped = a target thread held, deaf = tfix not"
                + " listening for its signals):");
        byCause.entrySet().stream()
                .sorted(Comparator.comparingDouble((Map.Entry<String, List<Double>> e) -> Stats.median(e.getValue())).reversed())
                .limit(n)
                .forEach(e -> System.out.printf("      %-44s %s in %d runs%n", Stats.ms(e.getValue()), e.getKey(), e.getValue().size()));
    }
}
