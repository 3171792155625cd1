package tfix.engine.restart;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The descriptors an epoll instance watches, from its /proc/PID/fdinfo ("tfd: N events: ..."). */
final class EpollInterest {
    private EpollInterest() {
    }

    static List<Integer> of(Path proc, int epfd) {
        List<Integer> tfds = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(proc.resolve("fdinfo").resolve(Integer.toString(epfd)))) {
                if (line.startsWith("tfd:")) {
                    tfds.add(Integer.parseInt(line.substring(4).trim().split("\\s+")[0]));
                }
            }
        } catch (IOException | RuntimeException e) {
            return List.of(); // closed meanwhile, or not an epoll
        }
        return tfds;
    }

    /** The process's epoll descriptors. */
    static List<Integer> instances(int pid) {
        List<Integer> eps = new ArrayList<>();
        try (var s = Files.list(Path.of("/proc", Integer.toString(pid), "fd"))) {
            for (Path p : s.toList()) {
                try {
                    if (Files.readSymbolicLink(p).toString().equals("anon_inode:[eventpoll]")) {
                        eps.add(Integer.parseInt(p.getFileName().toString()));
                    }
                } catch (IOException | RuntimeException e) {
                    // closed meanwhile
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        return eps;
    }
}
