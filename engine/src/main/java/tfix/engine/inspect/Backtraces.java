package tfix.engine.inspect;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import tfix.engine.elf.FunctionRef;
import tfix.engine.process.Maps;
import tfix.engine.process.ProcMemory;
import tfix.engine.process.TargetProcess;
import tfix.engine.process.ThreadSyscall;
import tfix.engine.x86.X86Decoder;

/**
 * Every thread with its backtrace, for {@code threads} and {@code where}. Each thread is stopped only while its
 * registers and one window of its stack are read; walking and naming happen after it runs again.
 */
final class Backtraces {
    /** One thread as seen: {@code state} from /proc, {@code activity} "(running)" or "(syscall N)". */
    record ThreadView(int tid, String name, char state, String activity, StackWalker.Walk walk, String problem) {
        /** False when its stack could not be read at all: where it is stays unknown, not "nowhere". */
        boolean looked() {
            return problem == null || !problem.startsWith(NOT_LOOKED);
        }
    }

    private static final String NOT_LOOKED = "no backtrace: ";

    private final TargetProcess process;
    private final ProcMemory memory;
    private final X86Decoder decoder;
    private final ThreadStops stops;
    private final AddressNames names;

    Backtraces(TargetProcess process, ProcMemory memory, X86Decoder decoder, ThreadStops stops, AddressNames names) {
        this.process = process;
        this.memory = memory;
        this.decoder = decoder;
        this.stops = stops;
        this.names = names;
    }

    List<ThreadView> all() {
        Maps maps = process.maps(); // read before any stop, to keep that work out of it
        StackWalker walker = new StackWalker(new CallSites(maps, memory, decoder));
        List<ThreadView> out = new ArrayList<>();
        for (int tid : process.threadIds()) {
            Path task = process.proc().resolve("task").resolve(Integer.toString(tid));
            String name;
            char state;
            try {
                name = Files.readString(task.resolve("comm")).trim();
                String stat = Files.readString(task.resolve("stat"));
                state = stat.charAt(stat.lastIndexOf(')') + 2);
            } catch (Exception e) {
                continue; // ended meanwhile
            }
            Optional<ThreadSyscall> sc = stops.syscall(process.pid(), tid);
            String activity = sc.map(c -> c.number() == ThreadSyscall.RUNNING ? "(running)"
                    : c.blockedInSyscall() ? "(syscall " + c.number() + ")" : "").orElse("");
            Optional<String> timed = TimedWait.of(process.pid(), tid);
            if (timed.isPresent() && sc.isPresent()) {
                // Its stack does not change while it waits: read without the stop, but no frame pointer to follow.
                ThreadStops.Pointers at = new ThreadStops.Pointers(sc.get().instructionPointer(), sc.get().stackPointer(), 0);
                out.add(new ThreadView(tid, name, state, activity, walker.walk(StackSample.read(at, maps, memory)),
                        "not stopped: a stop would end its " + timed.get() + " early with EINTR; the frames after #0 are guesses"));
                continue;
            }
            StackSample sample;
            try {
                sample = stops.whileStopped(tid, regs -> StackSample.read(regs, maps, memory));
            } catch (RuntimeException e) {
                if (!Files.exists(task)) {
                    continue; // ended meanwhile
                }
                // Not stopped (held by something else?): what /proc tells without stopping it.
                long pc = sc.map(ThreadSyscall::instructionPointer).orElse(0L);
                out.add(new ThreadView(tid, name, state, activity, new StackWalker.Walk(
                        pc == 0 ? List.of() : List.of(new Frame(pc, Frame.Source.CURRENT)), false),
                        NOT_LOOKED + e.getMessage()));
                continue;
            }
            out.add(new ThreadView(tid, name, state, activity, walker.walk(sample),
                    sample.words().length == 0 ? "its stack pointer is in no readable mapping" : null));
        }
        return out;
    }

    /** The `threads` listing: a line per thread (where it is), then its frames. */
    List<String> threads() {
        List<String> out = new ArrayList<>();
        boolean guesses = false;
        for (ThreadView t : all()) {
            List<Frame> frames = t.walk().frames();
            String where = frames.isEmpty() ? "?" : names.describe(frames.get(0));
            out.add(String.format("%7d %c %-16s %s %s", t.tid(), t.state(), t.name(), where, t.activity()).stripTrailing());
            for (int i = 0; i < frames.size(); i++) {
                Frame f = frames.get(i);
                out.add(String.format("          #%-2d %#014x %s%s", i, f.pc(), names.describe(f), f.guess() ? "  ?" : ""));
            }
            if (t.problem() != null) {
                out.add("          (" + t.problem() + ")");
            } else if (!t.walk().chained()) {
                out.add("          (no frame-pointer chain: the frames after #0 are guesses)");
            }
            guesses |= t.walk().anyGuess();
        }
        if (guesses) {
            out.add("? : a stack word pointing just after a call instruction: probably a return address, not certain"
                    + " (frame-pointer chains are checked; .eh_frame is not read)");
        }
        return out;
    }

    /** The `where` listing: which threads are in the function or have it on their stack. */
    List<String> where(FunctionRef f) {
        long from = f.address();
        long to = from + Math.max(1, f.size());
        List<ThreadView> all = all();
        List<ThreadView> views = all.stream().filter(ThreadView::looked).toList();
        List<String> found = new ArrayList<>();
        for (ThreadView t : views) {
            List<Frame> frames = t.walk().frames();
            for (int i = 0; i < frames.size(); i++) {
                Frame fr = frames.get(i);
                if (fr.caller() >= from && fr.caller() < to) {
                    String how = i == 0 ? "is in " + f.displayName()
                            : fr.guess() ? "may have " + f.displayName() + " on its stack (a guess from a stack word)"
                            : "has " + f.displayName() + " on its stack";
                    found.add(String.format("thread %d (%s) %s: #%d %s", t.tid(), t.name(), how, i, names.describe(fr)));
                    break;
                }
            }
        }
        List<String> out = new ArrayList<>();
        out.add(found.isEmpty()
                ? "no thread is in " + f.displayName() + " or has it on its stack (" + views.size() + " threads looked at)"
                : found.size() == 1 ? "1 of " + views.size() + " threads is in " + f.displayName() + " or has it on its stack:"
                : found.size() + " of " + views.size() + " threads are in " + f.displayName() + " or have it on their stack:");
        out.addAll(found);
        // Never "nowhere" for a thread whose stack was not read: each is named, with why.
        for (ThreadView t : all) {
            if (!t.looked()) {
                out.add(String.format("thread %d (%s) not looked at, it may be in %s: %s", t.tid(), t.name(),
                        f.displayName(), t.problem().substring(NOT_LOOKED.length())));
            }
        }
        return out;
    }
}
