package tfix.engine.elf;

import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * A map that keeps at most {@code limit} entries, dropping the least recently used: a resident tfix (the service)
 * meets many builds over weeks, and must not keep every one it ever parsed. Lookups of different keys do not wait
 * for each other (a slow parse of one module holds up no other); two parses of one key may race, and one is kept.
 */
public final class RecentlyUsed<V> {
    private record Entry<V>(V value, AtomicLong used) {
    }

    private final Map<String, Entry<V>> entries = new ConcurrentHashMap<>();
    private final AtomicLong clock = new AtomicLong();
    private final int limit;

    public RecentlyUsed(int limit) {
        this.limit = limit;
    }

    public V get(String key) {
        Entry<V> e = entries.get(key);
        if (e == null) {
            return null;
        }
        e.used().set(clock.incrementAndGet());
        return e.value();
    }

    public V computeIfAbsent(String key, Function<String, V> make) {
        V known = get(key);
        if (known != null) {
            return known;
        }
        V made = make.apply(key);
        Entry<V> raced = entries.putIfAbsent(key, new Entry<>(made, new AtomicLong(clock.incrementAndGet())));
        if (raced == null && entries.size() > limit) {
            dropOldest();
        }
        return raced != null ? raced.value() : made;
    }

    public void putIfAbsent(String key, V value) {
        computeIfAbsent(key, k -> value);
    }

    public void merge(String key, V value, java.util.function.BinaryOperator<V> keep) {
        entries.merge(key, new Entry<>(value, new AtomicLong(clock.incrementAndGet())),
                (was, now) -> new Entry<>(keep.apply(was.value(), now.value()), now.used()));
        if (entries.size() > limit) {
            dropOldest();
        }
    }

    public int size() {
        return entries.size();
    }

    /** A scan of at most a few hundred entries, only when one was added past the limit. */
    private void dropOldest() {
        while (entries.size() > limit) {
            entries.entrySet().stream().min(Comparator.comparingLong(e -> e.getValue().used().get()))
                    .ifPresent(oldest -> entries.remove(oldest.getKey(), oldest.getValue()));
        }
    }
}
