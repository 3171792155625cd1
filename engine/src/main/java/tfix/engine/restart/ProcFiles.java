package tfix.engine.restart;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import tfix.engine.agent.AgentClient;
import tfix.engine.process.ProcMemory;

/**
 * A process's /proc, as restart reads it: directly, or through the process's agent when the process forbids
 * ptrace (PR_SET_DUMPABLE 0), which also keeps its fd/, fdinfo/, environ, exe, task/N/syscall and mem from tfix.
 * Paths are relative to /proc/PID. What is read is the target's: untrusted, parsed with bounds by the callers.
 */
public interface ProcFiles {
    int pid();

    /** The bytes of a file. */
    byte[] bytes(String path) throws IOException;

    /** A link's target. */
    String link(String path) throws IOException;

    /** A folder's entries, each with its link target ("" when it is no link). */
    Map<String, String> entries(String folder) throws IOException;

    /** Bytes of the process's memory; throws (unchecked) when they do not read. */
    byte[] memory(long address, int length);

    default String text(String path) throws IOException {
        return new String(bytes(path), StandardCharsets.UTF_8);
    }

    /** /proc/PID read by tfix itself. */
    static ProcFiles of(int pid) {
        Path proc = Path.of("/proc", Integer.toString(pid));
        return new ProcFiles() {
            public int pid() {
                return pid;
            }

            public byte[] bytes(String path) throws IOException {
                return Files.readAllBytes(proc.resolve(path));
            }

            public String link(String path) throws IOException {
                return Files.readSymbolicLink(proc.resolve(path)).toString();
            }

            public Map<String, String> entries(String folder) throws IOException {
                Map<String, String> out = new LinkedHashMap<>();
                try (var s = Files.list(proc.resolve(folder))) {
                    for (Path p : s.toList()) {
                        String target = "";
                        if (Files.isSymbolicLink(p)) {
                            try {
                                target = Files.readSymbolicLink(p).toString();
                            } catch (IOException e) {
                                continue; // closed meanwhile
                            }
                        }
                        out.put(p.getFileName().toString(), target);
                    }
                }
                return out;
            }

            public byte[] memory(long address, int length) {
                try (ProcMemory mem = new ProcMemory(pid)) {
                    return mem.read(address, length);
                }
            }
        };
    }

    /** /proc/self read by the process's agent, on the agent's connection (used by one thread at a time). */
    static ProcFiles through(AgentClient agent) {
        return new ProcFiles() {
            public int pid() {
                return agent.pid();
            }

            public byte[] bytes(String path) throws IOException {
                return agent.procRead(path);
            }

            public String link(String path) throws IOException {
                return new String(agent.procRead(path), StandardCharsets.UTF_8);
            }

            public Map<String, String> entries(String folder) throws IOException {
                Map<String, String> out = new LinkedHashMap<>();
                for (String line : new String(agent.procRead(folder), StandardCharsets.UTF_8).split("\n")) {
                    int tab = line.indexOf('\t');
                    if (!line.isEmpty()) {
                        out.put(tab < 0 ? line : line.substring(0, tab), tab < 0 ? "" : line.substring(tab + 1));
                    }
                }
                return out;
            }

            public byte[] memory(long address, int length) {
                return agent.read(address, length);
            }
        };
    }

    /**
     * Directly while tfix may, else through the process's agent, asked for once it has one (a new program that
     * makes itself undumpable while it starts, its agent loaded by restart): {@code agent} gives it or nothing yet.
     */
    static ProcFiles directOr(int pid, Supplier<Optional<AgentClient>> agent) {
        ProcFiles direct = of(pid);
        return new ProcFiles() {
            private ProcFiles via;

            /** Some files (task/N/syscall, fdinfo) open and then refuse the read: any failure but absence asks the agent. */
            private ProcFiles viaAgent(IOException denied) throws IOException {
                if (via == null) {
                    via = agent.get().map(ProcFiles::through).orElseThrow(() -> denied);
                }
                return via;
            }

            public int pid() {
                return pid;
            }

            public byte[] bytes(String path) throws IOException {
                try {
                    return via != null ? via.bytes(path) : direct.bytes(path);
                } catch (NoSuchFileException e) {
                    throw e;
                } catch (IOException e) {
                    return viaAgent(e).bytes(path);
                }
            }

            public String link(String path) throws IOException {
                try {
                    return via != null ? via.link(path) : direct.link(path);
                } catch (NoSuchFileException e) {
                    throw e;
                } catch (IOException e) {
                    return viaAgent(e).link(path);
                }
            }

            public Map<String, String> entries(String folder) throws IOException {
                try {
                    return via != null ? via.entries(folder) : direct.entries(folder);
                } catch (NoSuchFileException e) {
                    throw e;
                } catch (IOException e) {
                    return viaAgent(e).entries(folder);
                }
            }

            public byte[] memory(long address, int length) {
                if (via != null) {
                    return via.memory(address, length);
                }
                try {
                    return direct.memory(address, length);
                } catch (RuntimeException e) {
                    try {
                        return viaAgent(new AccessDeniedException("/proc/" + pid + "/mem")).memory(address, length);
                    } catch (IOException denied) {
                        throw new UncheckedIOException(denied);
                    }
                }
            }
        };
    }
}
