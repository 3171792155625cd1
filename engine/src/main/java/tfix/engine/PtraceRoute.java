package tfix.engine;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

import tfix.engine.apply.Applier;
import tfix.engine.apply.SiteWriter;
import tfix.engine.elf.ProcessSymbols;
import tfix.engine.inspect.ThreadStops;
import tfix.engine.process.ProcMemory;
import tfix.engine.ptrace.PtraceThread;
import tfix.engine.ptrace.Registers;
import tfix.engine.ptrace.Tracee;
import tfix.engine.remote.CallArea;
import tfix.engine.remote.FunctionCalls;
import tfix.engine.remote.RemoteCaller;
import tfix.engine.timing.Holds;

/** The process traced from outside: every thread seized, calls on a borrowed thread, every thread stopped to write. */
final class PtraceRoute implements Route {
    private final PtraceThread thread;
    private final Tracee tracee;

    PtraceRoute(PtraceThread thread, Tracee tracee) {
        this.thread = thread;
        this.tracee = tracee;
    }

    @Override
    public String name() {
        return "ptrace";
    }

    @Override
    public boolean exited() {
        return tracee.exited();
    }

    @Override
    public int threadCount() {
        return tracee.onTracer(tracee::threadCount);
    }

    @Override
    public FunctionCalls caller(ProcessSymbols symbols, ProcMemory memory, CallArea area, Duration timeout,
                                BooleanSupplier cancelled) {
        return new RemoteCaller(tracee, memory, symbols, timeout, cancelled, area);
    }

    @Override
    public SiteWriter writer(ProcessSymbols symbols, ProcMemory memory, Duration threadTimeout, boolean stackCheck,
                             BooleanSupplier cancelled) {
        return new Applier(tracee, memory, symbols, threadTimeout, stackCheck, cancelled);
    }

    @Override
    public void kick(int tid) {
        stops().whileStopped(tid, stopped -> null);
    }

    @Override
    public ThreadStops stops() {
        return new ThreadStops() {
            @Override
            public <T> T whileStopped(int tid, Function<ThreadStops.Pointers, T> during) {
                return tracee.onTracer(() -> {
                    try (Holds.Cause c = Holds.cause("reading one thread's registers")) {
                        tracee.stopThread(tid, Duration.ofSeconds(1));
                        try {
                            Registers r = tracee.registers(tid);
                            return during.apply(new ThreadStops.Pointers(r.rip(), r.rsp(), r.get(Registers.RBP)));
                        } finally {
                            tracee.resumeThread(tid);
                        }
                    }
                });
            }
        };
    }

    @Override
    public void release(Runnable last) {
        try {
            thread.call(() -> {
                thread.whileIdle(null);
                try (Holds.Cause c = Holds.cause("the last statement and detach")) {
                    try {
                        if (!tracee.exited()) {
                            last.run();
                        }
                    } finally {
                        tracee.detach();
                    }
                }
                return null;
            });
        } finally {
            thread.close();
        }
    }
}
