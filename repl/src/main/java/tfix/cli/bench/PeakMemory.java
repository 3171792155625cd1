package tfix.cli.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * tfix's own peak memory over the benchmark: the resident high-water mark the kernel keeps (VmHWM, which
 * counts the mapped ELF pages tfix touched as well as the heap) and the heap's peak use by the JVM's count.
 */
final class PeakMemory {
    private PeakMemory() {
    }

    static String describe() {
        long heapPeak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                heapPeak += pool.getPeakUsage().getUsed();
            }
        }
        return String.format("resident %s, heap %d MiB", residentPeak(), heapPeak >> 20);
    }

    /** VmHWM from /proc/self/status, in MiB; "?" where there is none. */
    private static String residentPeak() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    String[] f = line.substring(6).trim().split("\\s+");
                    return (Long.parseLong(f[0]) >> 10) + " MiB";
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux's /proc: say so in the row.
        }
        return "?";
    }
}
