package tfix.engine.restart;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import tfix.engine.remote.RemoteLibc;

/**
 * The environment a process has now: what libc's {@code environ} points to, so variables it set with setenv()
 * after it started are seen (/proc/PID/environ shows only the one it was started with). Read through the target's
 * memory, which is untrusted input: bounded in entries and bytes, and given up on (empty) when it does not read
 * as a NULL-terminated array of NAME=value strings.
 */
public final class LiveEnvironment {
    private static final int MAX_ENTRIES = 16_384;
    private static final int MAX_BYTES = 4 << 20;
    private static final int PAGE = 4096;

    private LiveEnvironment() {
    }

    public static Optional<List<String>> read(RemoteLibc libc) {
        Optional<Long> var = libc.variable("environ").or(() -> libc.variable("__environ"));
        if (var.isEmpty()) {
            return Optional.empty();
        }
        try {
            long array = word(libc, var.get());
            if (array == 0) {
                return Optional.of(List.of()); // clearenv(): an empty environment
            }
            List<String> env = new ArrayList<>();
            int bytes = 0;
            for (int i = 0; i < MAX_ENTRIES; i++) {
                long s = word(libc, array + 8L * i);
                if (s == 0) {
                    return Optional.of(env);
                }
                String entry = string(libc, s, MAX_BYTES - bytes);
                if (entry == null) {
                    return Optional.empty();
                }
                bytes += entry.length() + 1;
                if (entry.indexOf('=') > 0) {
                    env.add(entry); // an entry without a name is dropped, as getenv would never find it
                }
            }
            return Optional.empty(); // no end in sight: not an environment
        } catch (RuntimeException e) { // UncheckedIOException included
            return Optional.empty();
        }
    }

    private static long word(RemoteLibc libc, long address) {
        return ByteBuffer.wrap(libc.read(address, 8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /** A NUL-terminated string, read a page at most at a time (the last may end its mapping); null if longer than max. */
    private static String string(RemoteLibc libc, long address, int max) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long at = address;
        while (out.size() < max) {
            int chunk = (int) Math.min(256, PAGE - (at & (PAGE - 1)));
            byte[] b = libc.read(at, chunk);
            for (int i = 0; i < b.length; i++) {
                if (b[i] == 0) {
                    out.write(b, 0, i);
                    return out.toString(StandardCharsets.UTF_8);
                }
            }
            out.write(b, 0, b.length);
            at += chunk;
        }
        return null;
    }
}
