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

    static List<Integer> of(ProcFiles proc, int epfd) {
        List<Integer> tfds = new ArrayList<>();
        try {
            for (String line : proc.text("fdinfo/" + epfd).split("\n")) {
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
    static List<Integer> instances(ProcFiles proc) {
        List<Integer> eps = new ArrayList<>();
        try {
            proc.entries("fd").forEach((fd, link) -> {
                if (link.equals("anon_inode:[eventpoll]")) {
                    try {
                        eps.add(Integer.parseInt(fd));
                    } catch (NumberFormatException e) {
                        // not a descriptor
                    }
                }
            });
        } catch (IOException e) {
            return List.of();
        }
        return eps;
    }
}
