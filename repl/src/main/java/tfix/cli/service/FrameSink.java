package tfix.cli.service;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * One of a command's output streams, sent to its client as frames. A client that went away does not stop the
 * command: it goes on to its end (or rolls back) as it would with its terminal closed, and its output is dropped.
 */
final class FrameSink extends OutputStream {
    private final SocketChannel channel;
    private final byte kind;
    private final Object lock;
    private volatile boolean gone;

    /** {@code lock} is shared by the command's two sinks: frames never interleave. */
    FrameSink(SocketChannel channel, byte kind, Object lock) {
        this.channel = channel;
        this.kind = kind;
        this.lock = lock;
    }

    @Override
    public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
        if (len > 0) {
            send(Wire.frame(kind, b, off, len));
        }
    }

    void send(byte[] frame) {
        synchronized (lock) {
            if (gone) {
                return;
            }
            try {
                ByteBuffer buf = ByteBuffer.wrap(frame);
                while (buf.hasRemaining()) {
                    channel.write(buf);
                }
            } catch (IOException e) {
                gone = true;
            }
        }
    }

    boolean clientGone() {
        return gone;
    }
}
