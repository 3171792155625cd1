package tfix.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

import tfix.engine.agent.AgentClient;
import tfix.engine.elf.ProcessSymbols;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.process.ImageStamp;
import tfix.engine.process.ProcMemory;
import tfix.engine.process.TargetProcess;
import tfix.engine.ptrace.Ptrace;
import tfix.engine.ptrace.PtraceThread;
import tfix.engine.ptrace.TraceClaim;
import tfix.engine.ptrace.Tracee;
import tfix.engine.timing.Holds;
import tfix.engine.timing.Phases;

/**
 * Opens a session on the route asked for: ptrace (seizing every thread), or the process's agent. Asked for
 * neither, it traces, and goes through the agent only when ptrace is refused and the process has one.
 */
final class SessionOpener {
    /** Refusals of ptrace the agent gets round: no right to trace (undumpable, no CAP_SYS_PTRACE), another tracer. */
    private static final Set<Reason> AGENT_HELPS = Set.of(Reason.PERMISSION, Reason.ALREADY_TRACED);

    private SessionOpener() {
    }

    static TfixSession open(int pid, Engine engine, Options options, Consumer<String> waiting, Via via) {
        if (via == Via.AGENT) {
            return viaAgent(pid, engine, options, waiting).orElseThrow(() -> new TfixException(Reason.NOT_FOUND, "process " + pid
                    + " has no tfix agent (no socket @tfix-agent-" + pid + " in its network namespace, which tfix enters as"
                    + " root): start it with"
                    + " LD_PRELOAD=$(tfix agent --path), or attach with via: 'ptrace'"));
        }
        if (via == Via.AGENT_FIRST) {
            // No agent listening costs one failed connect to an abstract socket name; then ptrace as usual.
            Optional<TfixSession> agent = viaAgent(pid, engine, options, waiting);
            if (agent.isPresent()) {
                return agent.get();
            }
        }
        try {
            return viaPtrace(pid, engine, options, waiting);
        } catch (TfixException e) {
            if (via != Via.AUTO || !AGENT_HELPS.contains(e.reason())) {
                throw e;
            }
            Optional<TfixSession> agent = viaAgent(pid, engine, options, waiting);
            if (agent.isPresent()) {
                return agent.get();
            }
            throw e;
        }
    }

    /**
     * Seizes every thread of the process (they keep running) and reads its symbols; while another tfix holds the
     * process, waits its turn, {@code waiting} hearing for whom. The ELF files are read first, before any thread
     * is traced: a traced thread's signals wait for tfix, so nothing slow happens while tfix holds the process.
     */
    private static TfixSession viaPtrace(int pid, Engine engine, Options options, Consumer<String> waiting) {
        TargetProcess process = new TargetProcess(pid);
        boolean aliveAtStart = process.alive();
        ProcessSymbols early;
        try (Phases.Span s = Phases.start("read symbols (before attach)")) {
            early = AttachedTarget.readSymbols(process, engine).orElse(null);
        }
        Phases.Span attach = Phases.start("attach (tracer thread, lock, seize every thread)");
        PtraceThread thread = new PtraceThread(pid, options.holder(), options.lockTimeout(), waiting);
        Tracee tracee;
        try {
            tracee = thread.call(() -> {
                try (Holds.Cause c = Holds.cause("attach (seizing every thread)")) {
                    return Tracee.attach(process, new Ptrace(engine.nat()), thread);
                }
            });
            attach.close();
        } catch (RuntimeException e) {
            thread.close();
            throw e;
        }
        // From now on a signal to a traced thread stops it until passed on: listen at once, not only once the session
        // is made (reading the target's symbols and its record takes long).
        thread.forwardWhileIdle(tracee);
        ProcMemory memory = null;
        try {
            Optional<ImageStamp> image = ImageStamp.read(pid); // before mem is opened: it stays bound to this image
            memory = new ProcMemory(pid);
            return new TfixSession(process, options, new PtraceRoute(thread, tracee), memory, engine, early, image);
        } catch (RuntimeException e) {
            try {
                thread.run(() -> {
                    thread.whileIdle(null);
                    tracee.detach();
                });
            } finally {
                thread.close();
                if (memory != null) {
                    memory.close();
                }
            }
            if (aliveAtStart && process.exitingOrGone()) {
                throw new TfixException(Reason.PROCESS_GONE, "process " + pid + " exited while tfix was attaching", e);
            }
            throw e;
        }
    }

    /**
     * Through the agent: its maps, its memory, its calls; nothing here traces the process. Empty when it has none.
     * The same claim as ptrace's is taken first: the agent serves one peer at a time, so a second tfix waits its
     * turn here (hearing for whom) instead of timing out in its first request.
     */
    private static Optional<TfixSession> viaAgent(int pid, Engine engine, Options options, Consumer<String> waiting) {
        TraceClaim claim = TraceClaim.take(pid, options.holder(), options.lockTimeout(), waiting);
        Optional<AgentClient> found;
        try {
            found = AgentClient.connect(engine.nat(), pid, (int) Math.max(1, options.callTimeout().toSeconds()));
        } catch (RuntimeException e) {
            closeClaim(claim);
            throw e;
        }
        if (found.isEmpty()) {
            closeClaim(claim);
            return Optional.empty();
        }
        AgentClient agent = found.get();
        try {
            TargetProcess process = new TargetProcess(pid, agent::maps);
            ProcMemory memory = new ProcMemory(pid, memoryOf(agent));
            return Optional.of(new TfixSession(process, options, new AgentRoute(agent, process, claim), memory, engine,
                    null, Optional.empty()));
        } catch (RuntimeException e) {
            agent.close();
            closeClaim(claim);
            throw e;
        }
    }

    private static void closeClaim(TraceClaim claim) {
        if (claim != null) {
            claim.close();
        }
    }

    private static ProcMemory.Access memoryOf(AgentClient agent) {
        return new ProcMemory.Access() {
            @Override
            public int read(ByteBuffer into, long address) throws IOException {
                try {
                    byte[] b = agent.read(address, into.remaining());
                    into.put(b);
                    return b.length;
                } catch (TfixException e) {
                    throw new IOException(e.getMessage(), e);
                }
            }

            @Override
            public int write(ByteBuffer from, long address) throws IOException {
                byte[] b = new byte[from.remaining()];
                from.get(b);
                try {
                    agent.write(address, b);
                } catch (TfixException e) {
                    throw new IOException(e.getMessage(), e);
                }
                return b.length;
            }

            @Override
            public void close() {
                // the session closes the agent's connection when it lets the process go
            }
        };
    }
}
