package tfix.engine.process;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Optional;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/**
 * Which program image a process runs: the address of AT_RANDOM (from /proc/PID/auxv) and the 16 bytes the
 * kernel writes there at every execve, fresh each time, even for the same program without address
 * randomisation. A changed stamp means the process called execve: every address tfix knows is stale.
 */
public record ImageStamp(long address, String random) {
    private static final long AT_NULL = 0, AT_RANDOM = 25;

    /**
     * Refuses to go on when the process replaced its program since {@code attached} was read: the symbols, the
     * record and every address tfix knows are stale (and /proc/PID/mem opened then still shows the old image).
     */
    public static void requireSame(int pid, Optional<ImageStamp> attached, Throwable cause) {
        if (attached.isEmpty()) {
            return;
        }
        Optional<ImageStamp> now = read(pid);
        // Unreadable now: the process is gone or on its way out (its memory is torn down first), not exec'd.
        if (now.isPresent() && !attached.equals(now)) {
            throw new TfixException(Reason.PROCESS_GONE, "process " + pid + " replaced its program (execve) since tfix"
                    + " attached: nothing was written; detach and attach again to work on the new program", cause);
        }
    }

    /** The stamp now; empty when the process is gone or its auxv cannot be read. */
    public static Optional<ImageStamp> read(int pid) {
        Path proc = Path.of("/proc", Integer.toString(pid));
        try {
            ByteBuffer auxv = ByteBuffer.wrap(Files.readAllBytes(proc.resolve("auxv"))).order(ByteOrder.LITTLE_ENDIAN);
            while (auxv.remaining() >= 16) {
                long type = auxv.getLong();
                long value = auxv.getLong();
                if (type == AT_NULL) {
                    break;
                }
                if (type == AT_RANDOM) {
                    // A fresh open: /proc/PID/mem is bound to the memory of the image current when it was opened.
                    try (FileChannel mem = FileChannel.open(proc.resolve("mem"))) {
                        ByteBuffer b = ByteBuffer.allocate(16);
                        if (mem.read(b, value) != 16) {
                            return Optional.empty(); // its memory is going away with it
                        }
                        return Optional.of(new ImageStamp(value, HexFormat.of().formatHex(b.array())));
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone, or not ours to read: the caller treats that as unknown
        }
        return Optional.empty();
    }
}
