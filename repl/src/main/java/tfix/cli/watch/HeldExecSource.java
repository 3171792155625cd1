package tfix.cli.watch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import tfix.engine.ExecCatcher;
import tfix.engine.sys.ExecPermission;
import tfix.engine.sys.Native;

/**
 * Every execve of the program, held by the kernel until tfix answers (fanotify exec permission events): the
 * process is seized first, so it stops at the exec before its loader runs, and only then let go on. The sure
 * way: the connector's events come after the exec, and a small program's loader takes well under a millisecond.
 */
final class HeldExecSource implements ExecSource {
    private final ExecPermission execs;
    private final ExecCatcher catcher;
    private final Set<Integer> taken;
    private final int waitMillis;

    HeldExecSource(Native nat, Path program, ExecCatcher catcher, Set<Integer> taken, int waitMillis) {
        this.execs = ExecPermission.open(nat, program);
        this.catcher = catcher;
        this.taken = taken;
        this.waitMillis = waitMillis;
    }

    @Override
    public List<NewProcess> next() {
        List<NewProcess> out = new ArrayList<>();
        for (ExecPermission.Held h : execs.next(waitMillis)) {
            try {
                if (taken.add(h.pid())) {
                    out.add(new NewProcess(h.pid(), catcher.seize(h.pid(), true)));
                }
            } finally {
                execs.allow(h); // always: an exec tfix does not answer would wait forever
            }
        }
        return out;
    }

    @Override
    public String describe() {
        return "exec permission events (each exec waits until tfix has seized the process)";
    }

    @Override
    public void close() {
        execs.close();
    }
}
