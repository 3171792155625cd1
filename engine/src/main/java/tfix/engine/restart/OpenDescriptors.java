package tfix.engine.restart;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A process's descriptors that an exec would pass on (no close-on-exec), from /proc/PID/fdinfo. */
final class OpenDescriptors {
    private static final int O_CLOEXEC_OCTAL = 02000000;

    private OpenDescriptors() {
    }

    /** The descriptor's file status flags (fdinfo "flags:", octal) without O_CLOEXEC, 0 if unreadable. */
    static int statusFlags(ProcFiles proc, int fd) {
        try {
            for (String line : proc.text("fdinfo/" + fd).split("\n")) {
                if (line.startsWith("flags:")) {
                    return Integer.parseInt(line.substring(6).trim(), 8) & ~O_CLOEXEC_OCTAL;
                }
            }
        } catch (IOException | RuntimeException e) {
            // closed meanwhile
        }
        return 0;
    }

    static List<Integer> inheritable(int pid) {
        List<Integer> fds = new ArrayList<>();
        try (var s = Files.list(Path.of("/proc", Integer.toString(pid), "fdinfo"))) {
            for (Path p : s.toList()) {
                try {
                    for (String line : Files.readAllLines(p)) {
                        if (line.startsWith("flags:") && (Integer.parseInt(line.substring(6).trim(), 8) & O_CLOEXEC_OCTAL) == 0) {
                            fds.add(Integer.parseInt(p.getFileName().toString()));
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    // closed meanwhile
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        return fds;
    }
}
