package tfix.cli.service;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The service's protocol, small enough for a C client of a hundred lines. The client sends one request: a 4-byte
 * big-endian length, then NUL-terminated strings: "tfix/1", the working folder, "ttys=ABC" (1 where fd 0, 1, 2 is a
 * terminal), the argument count, the arguments, then "NAME=VALUE" environment entries to the end. The service
 * answers with frames: one byte kind, a 4-byte big-endian length, the payload: {@code o} bytes for stdout,
 * {@code e} for stderr, {@code x} the exit code (4 bytes), {@code f} "not here" with the reason, after which the
 * client runs the command in its own JVM.
 */
public final class Wire {
    static final String MAGIC = "tfix/1";
    static final int MAX_REQUEST = 1 << 20;
    static final byte OUT = 'o', ERR = 'e', EXIT = 'x', FALLBACK = 'f';

    /** What a client asks. */
    public record Request(String cwd, String ttys, List<String> argv, Map<String, String> env) {
    }

    private Wire() {
    }

    static byte[] encode(Request r) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        List<String> parts = new ArrayList<>(List.of(MAGIC, r.cwd(), "ttys=" + r.ttys(), Integer.toString(r.argv().size())));
        parts.addAll(r.argv());
        r.env().forEach((k, v) -> parts.add(k + "=" + v));
        for (String p : parts) {
            body.writeBytes(p.getBytes(StandardCharsets.UTF_8));
            body.write(0);
        }
        byte[] b = body.toByteArray();
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.writeBytes(int32(b.length));
        all.writeBytes(b);
        return all.toByteArray();
    }

    /** Reads one request; what a peer sends is checked like any input (bounded, well formed). */
    static Request read(InputStream in) throws IOException {
        DataInputStream d = new DataInputStream(in);
        int length = d.readInt();
        if (length < 0 || length > MAX_REQUEST) {
            throw new IOException("a request of " + length + " bytes (at most " + MAX_REQUEST + ")");
        }
        byte[] b = new byte[length];
        d.readFully(b);
        List<String> parts = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < b.length; i++) {
            if (b[i] == 0) {
                parts.add(new String(b, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (parts.size() < 4 || !parts.get(0).equals(MAGIC) || !parts.get(2).startsWith("ttys=")) {
            throw new IOException("not a tfix/1 request");
        }
        int argc;
        try {
            argc = Integer.parseInt(parts.get(3));
        } catch (NumberFormatException e) {
            throw new IOException("a request without an argument count");
        }
        if (argc < 0 || 4 + argc > parts.size()) {
            throw new IOException("a request with " + argc + " arguments that it does not hold");
        }
        Map<String, String> env = new LinkedHashMap<>();
        for (String e : parts.subList(4 + argc, parts.size())) {
            int eq = e.indexOf('=');
            if (eq > 0) {
                env.put(e.substring(0, eq), e.substring(eq + 1));
            }
        }
        return new Request(parts.get(1), parts.get(2).substring(5), List.copyOf(parts.subList(4, 4 + argc)), env);
    }

    static byte[] frame(byte kind, byte[] payload, int off, int len) {
        byte[] f = new byte[5 + len];
        f[0] = kind;
        System.arraycopy(int32(len), 0, f, 1, 4);
        System.arraycopy(payload, off, f, 5, len);
        return f;
    }

    /** One frame from the service: its kind and payload; null at the end of the stream. */
    record Frame(byte kind, byte[] payload) {
        int code() {
            return ((payload[0] & 0xff) << 24) | ((payload[1] & 0xff) << 16) | ((payload[2] & 0xff) << 8) | (payload[3] & 0xff);
        }
    }

    static Frame readFrame(DataInputStream in) throws IOException {
        int kind;
        try {
            kind = in.readUnsignedByte();
        } catch (EOFException e) {
            return null;
        }
        int len = in.readInt();
        if (len < 0 || len > MAX_REQUEST) {
            throw new IOException("a frame of " + len + " bytes");
        }
        byte[] p = new byte[len];
        in.readFully(p);
        return new Frame((byte) kind, p);
    }

    static byte[] int32(int v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }
}
