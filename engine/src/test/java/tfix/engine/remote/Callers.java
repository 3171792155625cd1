package tfix.engine.remote;

import java.time.Duration;
import java.util.List;
import java.util.function.Function;

import tfix.engine.elf.Demangler;
import tfix.engine.elf.ElfCache;
import tfix.engine.elf.ProcessSymbols;
import tfix.engine.process.ProcMemory;
import tfix.engine.process.TargetProcess;
import tfix.engine.ptrace.Ptrace;
import tfix.engine.ptrace.PtraceThread;
import tfix.engine.ptrace.Tracee;
import tfix.engine.sys.Native;

/** A caller on a process, attached on its own ptrace thread for the work given, then detached. */
final class Callers {
    private Callers() {
    }

    static <T> T with(int pid, Function<RemoteCaller, T> work) {
        try (PtraceThread owner = new PtraceThread(pid)) {
            Native nat = new Native();
            return owner.call(() -> {
                TargetProcess proc = new TargetProcess(pid);
                Tracee tracee = Tracee.attach(proc, new Ptrace(nat), owner);
                try (ProcMemory mem = new ProcMemory(pid)) {
                    ProcessSymbols syms = ProcessSymbols.load(pid, proc.maps(), proc::openableFile, new ElfCache(),
                            Demangler.load());
                    return work.apply(new RemoteCaller(tracee, mem, syms, Duration.ofSeconds(10)));
                } finally {
                    tracee.detach();
                }
            });
        }
    }

    /** The address of a function of the target's own program. */
    static long function(RemoteCaller caller, String name) {
        return caller.symbols().resolve(name, null, List.of()).address();
    }

    /** Main of a tfix that a test kills: attaches to argv[0] and calls its slow_call(argv[1]). */
    public static void main(String[] args) {
        int pid = Integer.parseInt(args[0]);
        with(pid, caller -> caller.call("slow_call", function(caller, "slow_call"),
                RemoteCaller.value(Integer.parseInt(args[1]))));
        System.exit(3); // never reached in the test: it is killed first
    }
}
