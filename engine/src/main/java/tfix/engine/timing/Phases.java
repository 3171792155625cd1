package tfix.engine.timing;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Sums of the time spent in named phases over every thread, while switched on (a benchmark's breakdown). Off, a
 * phase costs one volatile read: the engine marks its phases always, and only a benchmark pays for the sums.
 */
public final class Phases {
    private static volatile boolean on;
    private static final Map<String, Sum> SUMS = new ConcurrentHashMap<>();

    private Phases() {
    }

    /** One phase's total over all threads and how many times it ran. */
    public record Total(long nanos, long count) {
        public double millis() {
            return nanos / 1e6;
        }
    }

    private record Sum(LongAdder nanos, LongAdder count) {
    }

    /** A running phase: closing it adds its time. */
    public interface Span extends AutoCloseable {
        @Override
        void close();
    }

    private static final Span OFF = () -> {
    };

    /** Starts timing {@code phase}; {@code try (var s = Phases.start("attach")) {...}}. */
    public static Span start(String phase) {
        if (!on) {
            return OFF;
        }
        long t0 = System.nanoTime();
        return () -> add(phase, System.nanoTime() - t0);
    }

    /** A stopwatch over consecutive steps: each {@link Laps#lap} adds the time since the last one to its step. */
    public static final class Laps {
        private final String prefix;
        private long last = System.nanoTime();

        private Laps(String prefix) {
            this.prefix = prefix;
        }

        public void lap(String step) {
            long now = System.nanoTime();
            add(prefix + step, now - last);
            last = now;
        }
    }

    /** A stopwatch whose steps are named {@code prefix + step}. */
    public static Laps laps(String prefix) {
        return new Laps(prefix);
    }

    public static void add(String phase, long nanos) {
        if (!on) {
            return;
        }
        Sum s = SUMS.computeIfAbsent(phase, p -> new Sum(new LongAdder(), new LongAdder()));
        s.nanos.add(nanos);
        s.count.increment();
    }

    /** Switches summing on or off; on, it starts from nothing. */
    public static void enable(boolean enabled) {
        SUMS.clear();
        on = enabled;
    }

    /** The totals so far, by phase. */
    public static Map<String, Total> totals() {
        Map<String, Total> out = new LinkedHashMap<>();
        SUMS.forEach((k, v) -> out.put(k, new Total(v.nanos.sum(), v.count.sum())));
        return out;
    }
}
