package tfix.engine.agent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.List;
import java.util.Optional;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.process.Maps;
import tfix.engine.process.MemoryMap;
import tfix.engine.sys.Native;

/** The operations of a process's agent, one method each (see {@code agent/src/tfix_agent.h}). */
public final class AgentClient implements AutoCloseable {
    static final int HELLO = 1, READ = 2, WRITE = 3, MAPS = 4, CALL = 5, STOP_WRITE = 6, THREADS = 7, NOSTOP_WRITE = 8,
            TASK_SYSCALL = 9, PROC_READ = 10, SPAWN = 11, KICK = 12;
    static final int BUSY = 100000;
    /** The agent's answer when it declines a write without a stop, nothing changed. */
    private static final int ENOTSUP = 95;
    private final AgentSocket socket;
    private final int pid;
    /** Whether the agent writes 2-byte entry jumps with no thread stopped (its HELLO says nostop=1). */
    private boolean nostop;

    private AgentClient(AgentSocket socket, int pid) {
        this.socket = socket;
        this.pid = pid;
    }

    /** The agent of {@code pid}, when it has one that lets this user in. */
    public static Optional<AgentClient> connect(Native nat, int pid, int timeoutSeconds) {
        AgentSocket s = AgentSocket.connect(nat, pid, timeoutSeconds);
        if (s == null) {
            return Optional.empty();
        }
        AgentClient c = new AgentClient(s, pid);
        try {
            String hello = c.done(HELLO, new byte[0], "hello").text();
            if (!hello.startsWith("tfix-agent 1 ")) {
                throw new TfixException(Reason.TARGET_REFUSED, "process " + pid + "'s agent speaks another protocol ("
                        + hello + "): use the libtfix-agent.so of this tfix (tfix agent --path)");
            }
            c.nostop = (" " + hello + " ").contains(" nostop=1 ");
            return Optional.of(c);
        } catch (TfixException e) {
            c.close();
            if (e.reason() == Reason.PROCESS_GONE) {
                // An agent that closes on us at once did not accept this user (SO_PEERCRED).
                throw new TfixException(Reason.PERMISSION, "process " + pid + "'s agent closed the connection: it accepts"
                        + " only its own user and root; run tfix as one of them", e);
            }
            throw e;
        }
    }

    public int pid() {
        return pid;
    }

    private AgentSocket.Answer done(int op, byte[] payload, String what) {
        AgentSocket.Answer a = socket.request(op, payload);
        if (a.status() != 0) {
            throw new TfixException(Reason.TARGET_REFUSED, "process " + pid + "'s agent refused " + what + ": " + a.text());
        }
        return a;
    }

    private static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    public byte[] read(long address, int length) {
        return done(READ, le(12).putLong(address).putInt(length).array(), "a read").payload();
    }

    public void write(long address, byte[] bytes) {
        done(WRITE, le(8 + bytes.length).putLong(address).put(bytes).array(), "a write");
    }

    public Maps maps() {
        String text = done(MAPS, new byte[0], "its maps").text();
        return new Maps(text.lines().filter(l -> !l.isBlank()).map(MemoryMap::parse).toList());
    }

    /** One argument of a call: a value, or bytes the function gets a pointer to (a copy, freed after the call). */
    public record Arg(long value, byte[] bytes) {
    }

    /** The result of a call on the agent's control thread, and errno after it. */
    public record Called(long result, int errno) {
    }

    public Called call(String what, long function, List<Arg> args) {
        int size = 12;
        for (Arg a : args) {
            size += a.bytes() == null ? 9 : 5 + a.bytes().length;
        }
        ByteBuffer b = le(size).putLong(function).putInt(args.size());
        for (Arg a : args) {
            if (a.bytes() == null) {
                b.put((byte) 0).putLong(a.value());
            } else {
                b.put((byte) 1).putInt(a.bytes().length).put(a.bytes());
            }
        }
        ByteBuffer r = ByteBuffer.wrap(done(CALL, b.array(), what).payload()).order(ByteOrder.LITTLE_ENDIAN);
        return new Called(r.getLong(), r.getInt());
    }

    /** A site to change in one stop: its bytes now and after. */
    public record Change(long address, byte[] before, byte[] after) {
    }

    /** A thread in the way of a stop: {@code why} 0 executing inside, 1 returns into, 2 restarts a system call inside. */
    public record Busy(int tid, int why, int change, long where) {
    }

    /** A stop that wrote: how many threads were signalled, how many were left in their system calls, the freeze. */
    public record Stopped(int signalled, int blocked, long freezeNanos) {
    }

    /** Stops the world in-process, checks, writes, reads back, releases; a busy thread is returned, not thrown. */
    public Object stopAndWrite(List<Change> changes) {
        int size = 4;
        for (Change c : changes) {
            size += 12 + 2 * c.after().length;
        }
        ByteBuffer b = le(size).putInt(changes.size());
        for (Change c : changes) {
            b.putLong(c.address()).putInt(c.after().length).put(c.before()).put(c.after());
        }
        AgentSocket.Answer a = socket.request(STOP_WRITE, b.array());
        ByteBuffer r = ByteBuffer.wrap(a.payload()).order(ByteOrder.LITTLE_ENDIAN);
        if (a.status() == BUSY) {
            return new Busy(r.getInt(), r.getInt(), r.getInt(), r.getLong());
        }
        if (a.status() != 0) {
            throw new TfixException(a.status() == 110 ? Reason.THREAD_BUSY : Reason.UNSAFE_SITE,
                    "process " + pid + "'s agent did not write: " + a.text());
        }
        return new Stopped(r.getInt(), r.getInt(), r.getLong());
    }

    /** Whether {@link #writeWithoutStop} is available (the kernel offers membarrier SYNC_CORE, the agent knows how). */
    public boolean nostop() {
        return nostop;
    }

    /**
     * Changes 2-byte sites, each inside one instruction, with no thread stopped or signalled (int3 first, membarrier
     * SYNC_CORE between the steps; agent/src/nostop_write.c); all or nothing, read back. Returns the nanoseconds from
     * the first int3 to the last barrier, or -1 when the agent declines with nothing changed (a thread blocks
     * SIGTRAP, membarrier is missing): the caller stops the threads instead.
     */
    public long writeWithoutStop(List<Change> changes) {
        ByteBuffer b = le(4 + 16 * changes.size()).putInt(changes.size());
        for (Change c : changes) {
            b.putLong(c.address()).putInt(2).put(c.before(), 0, 2).put(c.after(), 0, 2);
        }
        AgentSocket.Answer a = socket.request(NOSTOP_WRITE, b.array());
        if (a.status() == ENOTSUP) {
            return -1;
        }
        if (a.status() != 0) {
            throw new TfixException(Reason.UNSAFE_SITE, "process " + pid + "'s agent did not write: " + a.text());
        }
        return ByteBuffer.wrap(a.payload()).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /** One line a thread, "tid state", as the agent reads /proc/self/task. */
    public List<String> threads() {
        return done(THREADS, new byte[0], "its threads").text().lines().toList();
    }

    /** The text of the thread's /proc/self/task/TID/syscall, read in-process (a process may keep it from tfix). */
    public String taskSyscall(int tid) {
        return done(TASK_SYSCALL, le(4).putInt(tid).array(), "a look at thread " + tid).text();
    }

    /**
     * What the process's /proc/self/{@code path} holds, read in-process: a file's bytes, a link's target, or a
     * folder's entries one a line ({@code name} or {@code name<TAB>link target}). Throws {@link NoSuchFileException}
     * when it is not there (a descriptor closed meanwhile), else {@link IOException}.
     */
    public byte[] procRead(String path) throws IOException {
        AgentSocket.Answer a = socket.request(PROC_READ, path.getBytes(StandardCharsets.UTF_8));
        if (a.status() == 2) {
            throw new NoSuchFileException("/proc/" + pid + "/" + path);
        }
        if (a.status() != 0) {
            throw new IOException("process " + pid + "'s agent could not read /proc/self/" + path + ": " + a.text());
        }
        return a.payload();
    }

    /**
     * Forks and execs {@code path} in the process (tfix restart's new program): {@code fds.get(i)} becomes its fd
     * 3+i, every other one from there up is closed, an {@code env} entry {@code "LISTEN_PID="} gets its pid. Returns
     * the pid; an exec that fails is reaped there and thrown with its reason.
     */
    public int spawn(List<Integer> fds, String path, List<String> argv, List<String> env) {
        java.io.ByteArrayOutputStream strings = new java.io.ByteArrayOutputStream();
        for (String s : java.util.stream.Stream.concat(java.util.stream.Stream.of(path),
                java.util.stream.Stream.concat(argv.stream(), env.stream())).toList()) {
            strings.writeBytes(s.getBytes(StandardCharsets.UTF_8));
            strings.write(0);
        }
        ByteBuffer b = le(12 + 4 * fds.size() + strings.size()).putInt(fds.size());
        fds.forEach(b::putInt);
        b.putInt(argv.size()).putInt(env.size()).put(strings.toByteArray());
        AgentSocket.Answer a = socket.request(SPAWN, b.array());
        if (a.status() != 0) {
            throw new TfixException(Reason.RESTART_FAILED, "process " + pid + "'s agent could not start the new program: "
                    + a.text());
        }
        return ByteBuffer.wrap(a.payload()).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    /**
     * Makes thread {@code tid}, blocked in accept or a receive on {@code fd}, issue that call again (a signal whose
     * handler has SA_RESTART, agent/src/restart_kick.c), so it looks the fd up anew. False when it no longer waited
     * there (nothing was sent).
     */
    public boolean kick(int tid, int fd) {
        byte[] r = done(KICK, le(8).putInt(tid).putInt(fd).array(), "a kick of thread " + tid).payload();
        return ByteBuffer.wrap(r).order(ByteOrder.LITTLE_ENDIAN).getInt() == 1;
    }

    @Override
    public void close() {
        socket.close();
    }
}
