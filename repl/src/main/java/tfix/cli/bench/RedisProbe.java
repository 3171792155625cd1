package tfix.cli.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * A client as Redis's users have them: one connection sending PING every {@link #PERIOD_NS} and timing each reply,
 * what a request sees while tfix works on the server. Runs on a thread of its own until closed; every reply is
 * checked to be +PONG (a wrong one stops the probe: no figure from a server that did not answer right).
 */
final class RedisProbe implements AutoCloseable {
    static final long PERIOD_NS = 2_000_000;
    private static final byte[] PING = "*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PONG = "+PONG\r\n".getBytes(StandardCharsets.US_ASCII);
    private final Socket socket;
    private final Thread thread;
    /** Send time and latency of every reply, in ns: [2*i] sent, [2*i+1] latency. */
    private long[] samples = new long[1 << 16];
    private int count;
    private volatile boolean stop;
    private volatile String failure;

    private RedisProbe(Socket socket) {
        this.socket = socket;
        this.thread = new Thread(this::loop, "redis-probe");
        thread.setDaemon(true);
    }

    static RedisProbe start(int port) throws IOException {
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(10_000);
        RedisProbe p = new RedisProbe(s);
        p.thread.start();
        return p;
    }

    private void loop() {
        try {
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            byte[] reply = new byte[PONG.length];
            long next = System.nanoTime();
            while (!stop) {
                long sent = System.nanoTime();
                out.write(PING);
                out.flush();
                if (in.readNBytes(reply, 0, reply.length) != reply.length || !Arrays.equals(reply, PONG)) {
                    failure = "the server answered PING with " + new String(reply, StandardCharsets.US_ASCII).strip();
                    return;
                }
                add(sent, System.nanoTime() - sent);
                next += PERIOD_NS;
                long now = System.nanoTime();
                if (next < now) {
                    next = now; // a late reply delays the next PING: the probe measures, it does not pile requests up
                } else {
                    LockSupport.parkNanos(next - now);
                }
            }
        } catch (IOException e) {
            if (!stop) {
                failure = "the probe's connection failed: " + e.getMessage();
            }
        }
    }

    private synchronized void add(long sent, long latency) {
        if (2 * count + 2 > samples.length) {
            samples = Arrays.copyOf(samples, samples.length * 2);
        }
        samples[2 * count] = sent;
        samples[2 * count + 1] = latency;
        count++;
    }

    /** The replies to PINGs sent within [from, to] (System.nanoTime). */
    synchronized Latencies between(long from, long to) {
        if (failure != null) {
            throw new IllegalStateException(failure);
        }
        long[] l = new long[count];
        int n = 0;
        for (int i = 0; i < count; i++) {
            if (samples[2 * i] >= from && samples[2 * i] <= to) {
                l[n++] = samples[2 * i + 1];
            }
        }
        return new Latencies(Arrays.copyOf(l, n));
    }

    synchronized int replies() {
        return count;
    }

    String failure() {
        return failure;
    }

    @Override
    public void close() throws IOException {
        stop = true;
        socket.close();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Reply times of one phase, in ns. */
    record Latencies(long[] ns) {
        Latencies {
            ns = ns.clone();
            Arrays.sort(ns);
        }

        int count() {
            return ns.length;
        }

        /** The q-quantile (nearest rank), in ms. */
        double ms(double q) {
            if (ns.length == 0) {
                return Double.NaN;
            }
            int rank = (int) Math.ceil(q * ns.length);
            return ns[Math.max(0, Math.min(ns.length - 1, rank - 1))] / 1e6;
        }

        double maxMs() {
            return ns.length == 0 ? Double.NaN : ns[ns.length - 1] / 1e6;
        }

        String describe() {
            return String.format("p50 %.2f / p99 %.2f / max %.2f ms (%d replies)", ms(0.5), ms(0.99), maxMs(), ns.length);
        }

        static Latencies of(List<Latencies> parts) {
            return new Latencies(parts.stream().flatMapToLong(p -> Arrays.stream(p.ns)).toArray());
        }
    }
}
