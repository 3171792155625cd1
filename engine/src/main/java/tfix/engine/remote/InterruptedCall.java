package tfix.engine.remote;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Optional;

import tfix.engine.process.SignalDisposition;
import tfix.engine.ptrace.Registers;
import tfix.engine.ptrace.SyscallRestart;
import tfix.engine.sys.Errno;
import tfix.engine.sys.Signals;

/**
 * A borrowed thread's system call that signals reached while the thread ran tfix's call:
 * decides whether it must now fail with EINTR, exactly as it would have without tfix. A
 * dropped signal (ignored, or ignored by default) wakes nobody, so the call goes on; after
 * a handler, the kernel restarts ERESTARTNOINTR always, ERESTARTSYS only when the handler
 * was installed with SA_RESTART, and ends ERESTARTNOHAND and restart blocks with EINTR.
 */
final class InterruptedCall {
    private final RemoteCaller caller;
    private final int tid;
    private final Registers original;
    private final Registers resume;

    InterruptedCall(RemoteCaller caller, int tid, Registers original, Registers resume) {
        this.caller = caller;
        this.tid = tid;
        this.original = original;
        this.resume = resume;
    }

    boolean failsAfter(List<Integer> signals) {
        Optional<SignalDisposition> disposition = SignalDisposition.of(caller.pid());
        if (disposition.isEmpty()) {
            return SyscallRestart.failsAfterHandler(original.rax()); // unknown: assume a handler ran
        }
        List<Integer> handled = signals.stream().filter(disposition.get()::handled).distinct().toList();
        if (handled.isEmpty()) {
            return false;
        }
        if (SyscallRestart.failsAfterHandler(original.rax())) {
            return true;
        }
        if (original.rax() != Errno.RAX_ERESTARTSYS) {
            return false;
        }
        return handled.stream().anyMatch(sig -> !restartsAfter(sig));
    }

    /** Whether the handler of {@code sig} was installed with SA_RESTART, asked of the target's own sigaction. */
    private boolean restartsAfter(int sig) {
        Optional<Long> sigaction = new RemoteLibc(caller).symbol("sigaction");
        if (sigaction.isEmpty()) {
            return true;
        }
        CallReturned r = caller.callAgain(tid, original, resume, "sigaction", sigaction.get(), RemoteCaller.value(sig),
                RemoteCaller.value(0), new RemoteCaller.Buffer(new byte[Signals.SIGACTION_SIZE]));
        if (r.value() != 0) {
            return true; // unknown: restart, as tfix did before it could tell
        }
        byte[] flags = caller.memory().read(r.arguments()[2] + Signals.SIGACTION_FLAGS, 4);
        return (ByteBuffer.wrap(flags).order(ByteOrder.LITTLE_ENDIAN).getInt() & Signals.SA_RESTART) != 0;
    }
}
