package tfix.engine.timing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * While switched on: every interval in which tfix held a target thread stopped (from asking it to stop, or seeing
 * it stop, to letting it go), and every interval in which a tracer thread did not look at its targets' events (a
 * signal arriving then waits at least that long), each under the cause its tracer thread was working on. Off (the
 * default), marking costs one volatile read. {@code TFIX_HOLDS=1} switches it on for a command and prints the
 * longest few on standard error at its end (the cold benchmark reads them).
 */
public final class Holds {
    private static volatile boolean on;
    private static final ThreadLocal<String> CAUSE = ThreadLocal.withInitial(() -> "tracer idle between tasks");
    private static final Map<String, Longest> BY_CAUSE = new ConcurrentHashMap<>();

    static {
        String env = System.getenv("TFIX_HOLDS");
        if (env != null && !env.isBlank() && !env.equals("0")) {
            on = true;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> System.err.print(report(8)), "tfix-holds"));
        }
    }

    private Holds() {
    }

    /** A thread held stopped ({@code STOPPED}), or a tracer not listening ({@code DEAF}). */
    public enum Kind {
        STOPPED, DEAF
    }

    /** The longest interval of one kind and cause, and how many there were. */
    public record Longest(Kind kind, String cause, long maxNanos, long count) {
        public double maxMillis() {
            return maxNanos / 1e6;
        }
    }

    /** Restores the tracer thread's previous cause. */
    public interface Cause extends AutoCloseable {
        @Override
        void close();
    }

    private static final Cause OFF = () -> {
    };

    public static boolean on() {
        return on;
    }

    /** Names what the calling (tracer) thread works on until the returned cause is closed. */
    public static Cause cause(String what) {
        if (!on) {
            return OFF;
        }
        String before = CAUSE.get();
        CAUSE.set(what);
        return () -> CAUSE.set(before);
    }

    /** What the calling thread works on now. */
    public static String current() {
        return CAUSE.get();
    }

    /** One interval of {@code nanos} of the given kind and cause. */
    public static void add(Kind kind, String cause, long nanos) {
        if (!on) {
            return;
        }
        BY_CAUSE.merge(kind + " " + cause, new Longest(kind, cause, nanos, 1),
                (a, b) -> new Longest(kind, cause, Math.max(a.maxNanos, b.maxNanos), a.count + b.count));
    }

    /** Switches recording on or off; either way it starts from nothing. */
    public static void enable(boolean enabled) {
        BY_CAUSE.clear();
        on = enabled;
    }

    /** The causes, longest interval first. */
    public static List<Longest> longest() {
        List<Longest> all = new ArrayList<>(BY_CAUSE.values());
        all.sort(Comparator.comparingLong(Longest::maxNanos).reversed());
        return all;
    }

    /** The {@code n} longest, one line each ("tfix held: ..."), for a command's standard error. */
    public static String report(int n) {
        StringBuilder sb = new StringBuilder();
        for (Longest l : longest().subList(0, Math.min(n, BY_CAUSE.size()))) {
            sb.append(String.format("tfix held: %s %.3f ms (x%d) %s%n", l.kind() == Kind.STOPPED ? "stopped" : "deaf",
                    l.maxMillis(), l.count(), l.cause()));
        }
        return sb.toString();
    }
}
