package tfix.engine.ptrace;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.process.ProcMemory;
import tfix.engine.process.ProgramStart;

/**
 * Runs a process caught right after execve to its program's entry point and holds it there. Before the entry
 * the dynamic loader is still mapping and relocating libraries (a dlopen then is unsafe); at the entry it is
 * done and no code of the program has run. A one-byte trap (int3) at AT_ENTRY ({@link EntryHold}), taken out
 * by the detach, or at once when the thread turns out to be past the entry.
 */
public final class EntryRun {
    /** Where the main thread was held: at the entry (nothing of the program ran), or found past it already. */
    public enum Outcome { AT_ENTRY, PAST_ENTRY }

    private static final byte INT3 = (byte) 0xcc;
    private final Tracee tracee;
    private final TracedThread main;
    private final ProgramStart start;

    private EntryRun(Tracee tracee, TracedThread main, ProgramStart start) {
        this.tracee = tracee;
        this.main = main;
        this.start = start;
    }

    /**
     * On the tracer thread, with the process seized: the main thread (tid = pid after execve) is left stopped
     * at the entry (AT_ENTRY) and held there until the detach (see {@link EntryHold}), or running when it was
     * past it already. {@code timeout}: how long the loader may take; after it the trap is taken out and the
     * thread counts as past.
     */
    public static Outcome toEntry(Tracee tracee, Duration timeout) {
        tracee.requireTracerThread();
        int pid = tracee.pid();
        tracee.stopThread(pid, Duration.ofSeconds(1)); // seized before its exec: stopped once the exec is done
        ProgramStart start = ProgramStart.read(pid).orElseThrow(() -> gone(pid));
        EntryRun run = new EntryRun(tracee, tracee.thread(pid), start);
        boolean atEntry = tracee.registers(pid).rip() == start.entry(); // a static program before its first instruction
        EntryHold hold;
        try (ProcMemory mem = new ProcMemory(pid)) {
            if (!atEntry && run.pastEntry(mem)) {
                tracee.resumeThread(pid);
                return Outcome.PAST_ENTRY;
            }
            hold = new EntryHold(pid, start.entry(), mem.read(start.entry(), 1)[0]);
            tracee.hold = hold;
            mem.write(start.entry(), new byte[] {INT3});
        }
        boolean held = false;
        try {
            held = atEntry || run.untilTrap(hold, timeout);
            return held ? Outcome.AT_ENTRY : Outcome.PAST_ENTRY;
        } finally {
            if (!held) {
                hold.release(); // a trap taken meanwhile is still caught by the hold
            }
        }
    }

    private static TfixException gone(int pid) {
        return new TfixException(Reason.PROCESS_GONE, "process " + pid + " exited before its entry point");
    }

    /**
     * _start calls __libc_start_main (musl: _start_c), which never returns while the program runs: the return
     * address into _start, a few bytes after the entry, then lies just below the initial stack pointer. The
     * loader keeps the entry itself there at most (user_entry), never an address inside _start.
     */
    private boolean pastEntry(ProcMemory mem) {
        ByteBuffer words = ByteBuffer.wrap(mem.read(start.startStack() - 64, 64)).order(ByteOrder.LITTLE_ENDIAN);
        while (words.hasRemaining()) {
            long w = words.getLong();
            if (w > start.entry() && w <= start.entry() + 64) {
                return true;
            }
        }
        return false;
    }

    /** Lets the main thread run until the hold catches it at the entry (true); every other stop goes on as usual. */
    private boolean untilTrap(EntryHold hold, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Backoff backoff = new Backoff();
        tracee.resumeThread(main.tid);
        while (!hold.reached()) {
            WaitStatus ws = tracee.ptrace().pollAny();
            if (ws == null) {
                if (System.nanoTime() > deadline) {
                    return false;
                }
                backoff.pause();
                continue;
            }
            backoff.reset();
            tracee.handle(ws);
            if (ws.tid() == main.tid && ws.gone()) {
                throw gone(tracee.pid());
            }
        }
        return true;
    }
}
