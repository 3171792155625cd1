package tfix.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The CPUs other than the one a process's main thread last ran on (Redis serves its clients there), as taskset
 * takes them ("1" or "0,2,3"); null when there is no other. The scheduler may still move the thread: this only
 * says where it was.
 */
final class TargetCpus {
    private TargetCpus() {
    }

    static String others(long pid) {
        int cpus = Runtime.getRuntime().availableProcessors();
        int last;
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // Fields after the command's closing parenthesis start at field 3; "processor" is field 39.
            last = Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[39 - 3]);
        } catch (IOException | RuntimeException e) {
            return null;
        }
        StringBuilder free = new StringBuilder();
        for (int c = 0; c < cpus; c++) {
            if (c != last) {
                free.append(free.length() == 0 ? "" : ",").append(c);
            }
        }
        return free.length() == 0 ? null : free.toString();
    }
}
