package tfix.engine.ptrace;

import jnr.ffi.Pointer;
import tfix.engine.sys.Errno;
import tfix.engine.sys.LibC;
import tfix.engine.sys.Native;
import tfix.engine.sys.ProcessPriority;
import tfix.engine.sys.SyscallException;
import tfix.engine.timing.Holds;

/**
 * Raw ptrace requests. Every call must come from the OS thread that attached
 * (see {@link PtraceThread}); this class does not check that, {@link Tracee} does.
 */
public final class Ptrace {
    static final int PTRACE_CONT = 7;
    static final int PTRACE_GETREGS = 12;
    static final int PTRACE_SETREGS = 13;
    static final int PTRACE_DETACH = 17;
    static final int PTRACE_SYSCALL = 24;
    static final int PTRACE_GETEVENTMSG = 0x4201;
    static final int PTRACE_GETSIGINFO = 0x4202;
    static final int PTRACE_GETREGSET = 0x4204;
    static final int NT_X86_XSTATE = 0x202;
    static final int PTRACE_GET_RSEQ_CONFIGURATION = 0x420f;
    static final int PTRACE_SEIZE = 0x4206;
    static final int PTRACE_INTERRUPT = 0x4207;
    static final int PTRACE_LISTEN = 0x4208;
    static final int OPT_TRACESYSGOOD = 0x1;
    static final int OPT_TRACECLONE = 0x8;
    static final int OPT_TRACEEXEC = 0x10;
    static final int WNOHANG = 1;
    static final int WALL = 0x40000000;
    static final int WNOTHREAD = 0x20000000;
    /** The "which" of setpriority for one thread id (Linux applies PRIO_PROCESS to a tid). */
    static final int PRIO_PROCESS = 0;

    private final Native nat;
    private final LibC libc;
    private final Pointer regsBuffer;
    private final Pointer wordBuffer;
    /** When this tracer last looked for events ({@link Holds} on): a signal arriving meanwhile waits for the next look. */
    private long lastPoll;
    private String lastCause;

    public Ptrace(Native nat) {
        this.nat = nat;
        this.libc = nat.libc();
        this.regsBuffer = nat.allocate(Registers.COUNT * 8);
        this.wordBuffer = nat.allocate(8);
    }

    private long call(String what, int request, int tid, long addr, long data) {
        long r = libc.ptrace(request, tid, addr, data);
        if (r == -1) {
            int errno = nat.errno();
            throw new SyscallException(what + "(" + tid + ")", errno, nat.describe(errno));
        }
        return r;
    }

    private void heard() {
        long now = System.nanoTime();
        String cause = Holds.current();
        if (lastPoll != 0) {
            // Named by what ran at both ends: a long interval ending in the idle pump began in the task before it.
            Holds.add(Holds.Kind.DEAF, cause.equals(lastCause) ? cause : lastCause + " .. " + cause, now - lastPoll);
        }
        lastPoll = now;
        lastCause = cause;
    }

    /**
     * The native idle loop looked for events at most {@code longestNanos} apart, last at {@code lastLook} (nanoTime's
     * clock): the time from there to Java's next look counts as deaf, a JVM pause met on the way back included.
     */
    void heardNatively(long longestNanos, long lastLook) {
        if (Holds.on()) {
            Holds.add(Holds.Kind.DEAF, "the native idle loop", longestNanos);
            lastPoll = lastLook;
            lastCause = Holds.current();
        }
    }

    Native nat() {
        return nat;
    }

    /** The tracer thread's own id (call on the tracer thread). */
    public int tracerTid() {
        return nat.gettid();
    }

    /** nice -15 (or the process's own level if higher) for the calling (tracer) thread, or back to the process's level. */
    void boost(boolean on) {
        int base = ProcessPriority.base();
        libc.setpriority(PRIO_PROCESS, nat.gettid(), on ? Math.min(-15, base) : base);
    }

    public void seize(int tid) {
        call("PTRACE_SEIZE", PTRACE_SEIZE, tid, 0, OPT_TRACESYSGOOD | OPT_TRACECLONE);
    }

    /** Seizes a process about to complete an execve: it then stops at the exec (PTRACE_EVENT_EXEC), before its loader runs. */
    public void seizeThroughExec(int tid) {
        call("PTRACE_SEIZE", PTRACE_SEIZE, tid, 0, OPT_TRACESYSGOOD | OPT_TRACECLONE | OPT_TRACEEXEC);
    }

    public void interrupt(int tid) {
        call("PTRACE_INTERRUPT", PTRACE_INTERRUPT, tid, 0, 0);
    }

    public void cont(int tid, int signal) {
        call("PTRACE_CONT", PTRACE_CONT, tid, 0, signal);
    }

    public void listen(int tid) {
        call("PTRACE_LISTEN", PTRACE_LISTEN, tid, 0, 0);
    }

    public void syscall(int tid, int signal) {
        call("PTRACE_SYSCALL", PTRACE_SYSCALL, tid, 0, signal);
    }

    public void detach(int tid, int signal) {
        call("PTRACE_DETACH", PTRACE_DETACH, tid, 0, signal);
    }

    /**
     * si_signo, si_code and si_pid (a kill's sender) of the siginfo behind the thread's current ptrace-stop; null for a PTRACE_EVENT_STOP
     * (an interrupt's or job control's), which has none (EINVAL).
     */
    int[] siginfo(int tid) {
        Pointer info = nat.allocate(128);
        long r = libc.ptrace(PTRACE_GETSIGINFO, tid, 0, info.address());
        if (r == -1) {
            int errno = nat.errno();
            if (errno == Errno.EINVAL) {
                return null;
            }
            throw new SyscallException("PTRACE_GETSIGINFO(" + tid + ")", errno, nat.describe(errno));
        }
        return new int[] {info.getInt(0), info.getInt(8), info.getInt(16)};
    }

    public long eventMessage(int tid) {
        call("PTRACE_GETEVENTMSG", PTRACE_GETEVENTMSG, tid, 0, wordBuffer.address());
        return wordBuffer.getLong(0);
    }

    public Registers getRegisters(int tid) {
        call("PTRACE_GETREGS", PTRACE_GETREGS, tid, 0, regsBuffer.address());
        long[] v = new long[Registers.COUNT];
        regsBuffer.get(0, v, 0, v.length);
        return new Registers(v);
    }

    public void setRegisters(int tid, Registers regs) {
        long[] v = regs.toArray();
        regsBuffer.put(0, v, 0, v.length);
        call("PTRACE_SETREGS", PTRACE_SETREGS, tid, 0, regsBuffer.address());
    }

    /** Where the thread's struct rseq is (0: none registered, or a kernel too old to say). */
    public long rseqArea(int tid) {
        Pointer buf = nat.allocate(32);
        long r = libc.ptrace(PTRACE_GET_RSEQ_CONFIGURATION, tid, 24, buf.address());
        return r < 24 ? 0 : buf.getLong(0);
    }

    /** Size of the thread's XSAVE area (the kernel trims the buffer length to it). */
    public int xstateSize(int tid) {
        int max = 1 << 16;
        Pointer buf = nat.allocate(max);
        Pointer iov = nat.allocate(16);
        iov.putLong(0, buf.address());
        iov.putLong(8, max);
        call("PTRACE_GETREGSET", PTRACE_GETREGSET, tid, NT_X86_XSTATE, iov.address());
        return (int) iov.getLong(8);
    }

    /**
     * Non-blocking wait for any thread this tracer traces (and only those: __WNOTHREAD).
     * Returns null when nothing has happened.
     */
    public WaitStatus pollAny() {
        if (Holds.on()) {
            heard();
        }
        int[] status = new int[1];
        int r = libc.waitpid(-1, status, WNOHANG | WALL | WNOTHREAD);
        if (r <= 0) {
            int errno = r < 0 ? nat.errno() : 0;
            if (r < 0 && errno != Errno.ECHILD && errno != Errno.EINTR) {
                throw new SyscallException("waitpid(-1)", errno, nat.describe(errno));
            }
            return null;
        }
        return new WaitStatus(r, status[0]);
    }

}
