package tfix.cli;

import java.util.Optional;

import tfix.dsl.TfixContext;
import tfix.engine.RecordLook;
import tfix.engine.failure.Printable;
import tfix.engine.process.TargetProcess;

/**
 * status and verify of one process read without attaching ({@link RecordLook}): no ptrace, no libc binding, no ELF
 * file, so a cold command is little more than the JVM's start. Where the memory file is refused to this user (ptrace
 * scope, another user's process) the command attaches as before ({@link DirectRun}); the first line says which ran.
 */
final class LookRun {
    /** What the command prints from the look. */
    interface Steps {
        void run(RecordLook look);
    }

    private LookRun() {
    }

    /** The look's steps, or the attached ones when the look is refused; failures as {@link DirectRun}'s. */
    static int run(Main.Common common, int pid, Steps look, DirectRun.Steps attached) {
        return Cli.guard(common.debug, () -> {
            Optional<RecordLook> opened = RecordLook.open(pid, common.options(), System.out::println);
            if (opened.isEmpty()) {
                DirectRun.attached(common, pid, attached);
                return;
            }
            try (RecordLook l = opened.get()) {
                System.out.printf("read process %d (%s) through /proc/%d/mem, not attached: the process was not stopped%n",
                        pid, Printable.of(new TargetProcess(pid).commandName()), pid);
                look.run(l);
            }
        });
    }

    static void status(RecordLook look) {
        TfixContext.printStatus(System.out, look.pid(), look.status());
    }

    static void verify(RecordLook look) {
        var v = look.verify();
        TfixContext.printVerified(System.out, v);
        TfixContext.failIfBad(v);
    }
}
