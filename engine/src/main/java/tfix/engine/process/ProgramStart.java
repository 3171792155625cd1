package tfix.engine.process;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where a process's program starts: its entry point (AT_ENTRY from /proc/PID/auxv, where the dynamic loader
 * jumps once every library is loaded and relocated) and the initial stack pointer (startstack in
 * /proc/PID/stat, where argc lies). Read from /proc, untrusted.
 */
public record ProgramStart(long entry, long startStack) {
    private static final long AT_NULL = 0, AT_ENTRY = 9;

    public static Optional<ProgramStart> read(int pid) {
        Path proc = Path.of("/proc", Integer.toString(pid));
        try {
            ByteBuffer auxv = ByteBuffer.wrap(Files.readAllBytes(proc.resolve("auxv"))).order(ByteOrder.LITTLE_ENDIAN);
            long entry = 0;
            while (auxv.remaining() >= 16) {
                long type = auxv.getLong();
                long value = auxv.getLong();
                if (type == AT_NULL) {
                    break;
                }
                if (type == AT_ENTRY) {
                    entry = value;
                }
            }
            String stat = Files.readString(proc.resolve("stat"));
            // Fields after the command name (which may hold spaces): state is field 3, startstack field 28.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long startStack = Long.parseUnsignedLong(f[28 - 3]);
            return entry == 0 || startStack == 0 ? Optional.empty() : Optional.of(new ProgramStart(entry, startStack));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // gone, or not ours to read
        }
    }
}
