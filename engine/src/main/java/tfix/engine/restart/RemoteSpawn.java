package tfix.engine.restart;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.process.ProcMemory;
import tfix.engine.remote.RemoteCaller;
import tfix.engine.remote.RemoteLibc;
import tfix.engine.sys.Mman;
import tfix.engine.sys.SocketAbi;

/**
 * Starts the new program from inside the old one with the target's own posix_spawn, so it inherits the service's
 * user, cgroup, namespaces, limits, working directory and standard streams. posix_spawn, unlike fork, runs no
 * atfork handlers and takes none of malloc's locks in the child (glibc clones with CLONE_VM|CLONE_VFORK), so a
 * thread of the old program stopped while holding one cannot hang it; and a vfork-style clone is not followed by
 * tfix's ptrace options (no TRACEVFORK), so the child runs untraced.
 *
 * <p>LISTEN_PID must be the new program's pid, which is only known once it runs: the child is {@code /bin/sh -c
 * 'LISTEN_PID=$$ ... exec "$0" "$@"'}, a wrapper that sets it and execs the program in the same pid (systemd's
 * own trick is the same in C). The cost: the program's argv[0] is its path. The sockets are first dup'ed high in
 * the old program (close-on-exec, so nothing else inherits them), moved to 3, 4, ... in the child, and every other
 * descriptor from there up is closed in the child: the old program's client connections must not live on in the
 * new one, or their clients would never see them end.
 */
public final class RemoteSpawn {
    /** More than glibc's struct __spawn_action takes (32 bytes in 2.36). */
    private static final int ACTION_SIZE_BOUND = 64;
    private static final String WRAPPER = "LISTEN_PID=$$; export LISTEN_PID; exec \"$0\" \"$@\"";
    private final RemoteLibc libc;
    private final int pid;

    public RemoteSpawn(RemoteLibc libc, int pid) {
        this.libc = libc;
        this.pid = pid;
    }

    /** Starts it; returns the new pid. Leaves nothing in the old program (its temporary descriptors are closed). */
    public int spawn(SpawnRequest req) {
        int n = req.sockets().size();
        List<Long> high = new ArrayList<>();
        long area = Mman.MAP_FAILED;
        long attr = 0, size = 0;
        try {
            for (Listener l : req.sockets()) {
                int fd = (int) libc.callLockFree("fcntl(F_DUPFD_CLOEXEC) of " + l, "fcntl", v(l.fd()), v(SocketAbi.F_DUPFD_CLOEXEC), v(3 + n));
                if (fd < 0) {
                    throw refused("could not duplicate " + l, fd);
                }
                high.add((long) fd);
            }
            boolean closefrom = libc.symbol("posix_spawn_file_actions_addclosefrom_np").isPresent();
            List<Integer> toClose = closefrom ? List.of() : OpenDescriptors.inheritable(pid).stream().filter(fd -> fd >= 3 + n).toList();
            int capacity = n + 1 + toClose.size();
            Block strings = block(req, n);
            long actionsSize = (long) capacity * ACTION_SIZE_BOUND;
            size = (SocketAbi.FILE_ACTIONS_SIZE + SocketAbi.SPAWNATTR_SIZE + 16 + actionsSize + strings.bytes().length
                    + Mman.PAGE - 1) & -Mman.PAGE;
            area = libc.mmapAnonymous("mmap for posix_spawn", 0, size, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE);
            if (area == Mman.MAP_FAILED || area < 0 && area > -4096) {
                throw refused("no memory for posix_spawn's arguments", area);
            }
            long fa = area;
            attr = area + SocketAbi.FILE_ACTIONS_SIZE;
            long pidSlot = attr + SocketAbi.SPAWNATTR_SIZE;
            long actions = pidSlot + 16;
            long blockAt = actions + actionsSize;
            try (ProcMemory mem = new ProcMemory(pid)) {
                mem.write(blockAt, strings.relocated(blockAt));
                // The public fields of posix_spawn_file_actions_t (int __allocated, int __used, __actions): room given
                // here, so adding an action never reallocates, and no call below takes malloc's lock. Hence also no
                // posix_spawn_file_actions_destroy, which would free() it: the area is unmapped instead.
                mem.write(fa, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(capacity).putInt(0)
                        .putLong(actions).array());
            }
            for (int i = 0; i < n; i++) {
                check("posix_spawn_file_actions_adddup2", libc.callLockFree("posix_spawn_file_actions_adddup2",
                        "posix_spawn_file_actions_adddup2", v(fa), v(high.get(i)), v(3 + i)));
            }
            if (closefrom) {
                check("posix_spawn_file_actions_addclosefrom_np", libc.callLockFree("posix_spawn_file_actions_addclosefrom_np",
                        "posix_spawn_file_actions_addclosefrom_np", v(fa), v(3 + n)));
            }
            for (int fd : toClose) {
                check("posix_spawn_file_actions_addclose", libc.callLockFree("posix_spawn_file_actions_addclose",
                        "posix_spawn_file_actions_addclose", v(fa), v(fd)));
            }
            check("posix_spawnattr_init", libc.callLockFree("posix_spawnattr_init", "posix_spawnattr_init", v(attr)));
            check("posix_spawnattr_setflags", libc.callLockFree("posix_spawnattr_setflags", "posix_spawnattr_setflags", v(attr),
                    v(SocketAbi.POSIX_SPAWN_SETSIGMASK | SocketAbi.POSIX_SPAWN_SETSIGDEF)));
            // The borrowed thread's mask and the old program's handlers and ignored signals are not the new one's.
            check("posix_spawnattr_setsigmask", libc.callLockFree("posix_spawnattr_setsigmask", "posix_spawnattr_setsigmask",
                    v(attr), new RemoteCaller.Buffer(new byte[SocketAbi.SIGSET_SIZE])));
            check("posix_spawnattr_setsigdefault", libc.callLockFree("posix_spawnattr_setsigdefault",
                    "posix_spawnattr_setsigdefault", v(attr), new RemoteCaller.Buffer(everySignal())));
            // glibc's posix_spawn maps the child's stack with mmap and clones: no lock of libc's is taken.
            long rc = libc.callLockFree("posix_spawn of " + req.program(), "posix_spawn", v(pidSlot),
                    RemoteCaller.string("/bin/sh"), v(fa), v(attr), v(blockAt), v(blockAt + 8L * strings.envIndex()));
            check("posix_spawn of /bin/sh (the wrapper that execs " + req.program() + ")", rc);
            try (ProcMemory mem = new ProcMemory(pid)) {
                return ByteBuffer.wrap(mem.read(pidSlot, 4)).order(ByteOrder.LITTLE_ENDIAN).getInt();
            }
        } finally {
            if (attr != 0) {
                libc.callLockFree("posix_spawnattr_destroy", "posix_spawnattr_destroy", v(attr));
            }
            if (area != Mman.MAP_FAILED && area > 0) {
                libc.munmap(area, size);
            }
            high.forEach(libc::close);
        }
    }

    /** Signals 1 to 64 but glibc's own two (32, 33), which its spawn handles itself. */
    private static byte[] everySignal() {
        byte[] set = new byte[SocketAbi.SIGSET_SIZE];
        for (int sig = 1; sig <= 64; sig++) {
            if (sig != 32 && sig != 33) {
                set[(sig - 1) / 8] |= (byte) (1 << ((sig - 1) % 8));
            }
        }
        return set;
    }

    /**
     * argv then envp as NULL-terminated pointer arrays, then their strings; the pointers hold offsets into the
     * block until {@link #relocated} adds its address. argv: the wrapper's four words, then the program's own.
     */
    private static Block block(SpawnRequest req, int n) {
        List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c", WRAPPER, req.program()));
        argv.addAll(req.argv().subList(Math.min(1, req.argv().size()), req.argv().size()));
        List<String> env = new ArrayList<>(req.environment());
        env.add("LISTEN_FDS=" + n);
        env.add("LISTEN_FDNAMES=" + String.join(":", req.sockets().stream().map(Listener::fdName).toList()));
        int pointers = argv.size() + 1 + env.size() + 1;
        ByteBuffer ptrs = ByteBuffer.allocate(8 * pointers).order(ByteOrder.LITTLE_ENDIAN);
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        long base = 8L * pointers;
        for (List<String> list : List.of(argv, env)) {
            for (String s : list) {
                ptrs.putLong(base + text.size());
                text.writeBytes(s.getBytes(StandardCharsets.UTF_8));
                text.write(0);
            }
            ptrs.putLong(-1); // NULL, once relocated
        }
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.writeBytes(ptrs.array());
        all.writeBytes(text.toByteArray());
        return new Block(all.toByteArray(), pointers, argv.size() + 1);
    }

    /** The block, its number of pointer words, and where envp starts among them. */
    private record Block(byte[] bytes, int pointers, int envIndex) {
        byte[] relocated(long at) {
            ByteBuffer b = ByteBuffer.wrap(bytes.clone()).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < pointers; i++) {
                long v = b.getLong(8 * i);
                b.putLong(8 * i, v == -1 ? 0 : at + v);
            }
            return b.array();
        }
    }

    private static RemoteCaller.Arg v(long value) {
        return RemoteCaller.value(value);
    }

    /** glibc's spawn calls return an int: 0, or an errno. */
    private static void check(String what, long rax) {
        int rc = (int) rax;
        if (rc != 0) {
            throw refused(what + " failed", rc);
        }
    }

    private static TfixException refused(String what, long rc) {
        return new TfixException(Reason.TARGET_REFUSED, what + " in the old program (" + rc + ")");
    }
}
