package tfix.cli.service;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.List;

import tfix.engine.failure.TfixException;

/**
 * The JVM's client of the service: {@code tfix service status}, and {@code --service} when the command line is
 * run as a JVM directly (the launcher's C client, repl/src/main/c/tfix-client.c, is the quick one).
 */
public final class ServiceClient {
    /** The exit code when the service said "not here", or none listens. */
    static final int NOT_HERE = -1;

    private ServiceClient() {
    }

    static boolean listening(Path socket) {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** {@code tfix --service ARGS} from a JVM: through the service, or one line saying why not (exit 2). */
    public static int demanded(String[] args) {
        Path socket;
        try {
            socket = SocketPlace.chosen(null);
        } catch (TfixException e) {
            System.err.println("tfix: " + e.getMessage());
            return 2;
        }
        StringBuilder why = new StringBuilder();
        int code = forward(socket, List.of(args), why);
        if (code == NOT_HERE) {
            System.err.println("tfix: --service: " + why + " (run without --service, or start one with `tfix service`)");
            return 2;
        }
        return code;
    }

    /** Runs {@code argv} in the service at {@code socket}, its output on ours; NOT_HERE with the reason in {@code why}. */
    static int forward(Path socket, List<String> argv, StringBuilder why) {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            try {
                ch.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                why.append("no tfix service listens at ").append(socket).append(" (").append(e.getMessage()).append(')');
                return NOT_HERE;
            }
            String ttys = (System.console() != null ? "111" : "000");
            ByteBuffer req = ByteBuffer.wrap(Wire.encode(new Wire.Request(Path.of("").toAbsolutePath().toString(), ttys,
                    argv, ClientCommand.relevantEnv())));
            while (req.hasRemaining()) {
                ch.write(req);
            }
            DataInputStream in = new DataInputStream(Channels.newInputStream(ch));
            PrintStream out = System.out;
            PrintStream err = System.err;
            for (Wire.Frame f = Wire.readFrame(in); f != null; f = Wire.readFrame(in)) {
                switch (f.kind()) {
                    case Wire.OUT -> out.write(f.payload(), 0, f.payload().length);
                    case Wire.ERR -> err.write(f.payload(), 0, f.payload().length);
                    case Wire.EXIT -> {
                        out.flush();
                        return f.code();
                    }
                    case Wire.FALLBACK -> {
                        why.append(new String(f.payload(), java.nio.charset.StandardCharsets.UTF_8));
                        return NOT_HERE;
                    }
                    default -> throw new IOException("an unknown frame '" + (char) f.kind() + "'");
                }
            }
            out.flush();
            err.println("tfix: the tfix service at " + socket + " ended before the command did: the process it worked on"
                    + " is let go; `tfix status --pid N` shows what is in force");
            return 1;
        } catch (IOException e) {
            System.err.println("tfix: lost the tfix service at " + socket + ": " + e.getMessage());
            return 1;
        }
    }
}
