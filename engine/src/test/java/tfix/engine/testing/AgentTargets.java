package tfix.engine.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import jnr.ffi.Pointer;
import tfix.engine.sys.Native;

/**
 * Targets that carry tfix's agent: the library built by the agent module's make (run here if needed, so an
 * engine-only test run builds it too), programs started with it preloaded, and a tfix that may not trace.
 */
public final class AgentTargets {
    private static final Path AGENT_DIR = Path.of("..", "agent").toAbsolutePath().normalize();
    private static final int SYS_CAPGET = 125, SYS_CAPSET = 126, CAP_SYS_PTRACE = 19;
    private static final int CAPABILITY_VERSION_3 = 0x20080522;

    private AgentTargets() {
    }

    /** libtfix-agent.so, built (make is a no-op when it is current). */
    public static synchronized Path library() {
        try {
            Process p = new ProcessBuilder("make", "-s", "-C", AGENT_DIR.toString()).redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IllegalStateException("building the agent failed:\n" + log);
            }
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
        Path lib = AGENT_DIR.resolve("build/libtfix-agent.so");
        if (!Files.isRegularFile(lib)) {
            throw new IllegalStateException("no " + lib);
        }
        return lib;
    }

    /** Starts {@code exe} with the agent preloaded (and {@code env}, NAME=VALUE each) past its line {@code first}. */
    public static RunningTarget start(String first, Path exe, List<String> env, String... args) {
        List<String> all = new ArrayList<>(List.of("LD_PRELOAD=" + library()));
        all.addAll(env);
        all.add(exe.toString());
        all.addAll(List.of(args));
        return RunningTarget.startPast(first, Path.of("/usr/bin/env"), all.toArray(String[]::new));
    }

    /**
     * Runs {@code body} on this thread without CAP_SYS_PTRACE in its effective set (capabilities are per thread,
     * and the threads it starts, such as a session's tracer, inherit the set): as a tfix without the right to trace
     * an undumpable process. The capability is kept in the permitted set and raised again after.
     */
    public static <T> T withoutPtrace(Native nat, Callable<T> body) throws Exception {
        Pointer header = nat.allocate(8), data = nat.allocate(24);
        header.putInt(0, CAPABILITY_VERSION_3);
        header.putInt(4, 0);
        if (nat.libc().syscall(SYS_CAPGET, header.address(), data.address(), 0) != 0) {
            throw new IllegalStateException("capget failed: " + nat.describe(nat.errno()));
        }
        int effective = data.getInt(0);
        data.putInt(0, effective & ~(1 << CAP_SYS_PTRACE));
        if (nat.libc().syscall(SYS_CAPSET, header.address(), data.address(), 0) != 0) {
            throw new IllegalStateException("capset failed: " + nat.describe(nat.errno()));
        }
        try {
            return body.call();
        } finally {
            data.putInt(0, effective);
            nat.libc().syscall(SYS_CAPSET, header.address(), data.address(), 0);
        }
    }
}
