package tfix.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tfix.engine.failure.Printable;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.guard.Journal;
import tfix.engine.guard.JournalReader;
import tfix.engine.process.ProcStatus;
import tfix.engine.sys.Native;

/** `tfix log`: the journal of every write tfix made to a process. */
@Command(name = "log", mixinStandardHelpOptions = true, description = "Show the journal of every write tfix made (time, user, pid, address, bytes, patch and digest).")
final class LogCommand implements Callable<Integer> {
    @Option(names = "--pid", description = "Only writes to this process.")
    Integer pid;

    @Option(names = "--last", description = "Only the last N writes (default: all).")
    Integer last;

    @Option(names = "--debug", description = "Print stack traces for errors.")
    boolean debug;

    @Override
    public Integer call() {
        return Cli.guard(debug, () -> {
            // This JVM's effective uid from /proc/self/status: binding libc for it was most of log's start-up.
            int euid = ProcStatus.read(Path.of("/proc/self/status"), (int) ProcessHandle.current().pid()).map(ProcStatus::uid)
                    .orElseGet(() -> new Native().libc().geteuid());
            Journal journal = Journal.standard(euid);
            if (last != null && last < 0) {
                throw new TfixException(Reason.BAD_INPUT, "--last takes a number of writes, 0 or more");
            }
            List<Journal.Entry> entries = new JournalReader(journal).entries(pid, last);
            System.out.println("journal " + journal.file() + ": " + entries.size() + " write" + (entries.size() == 1 ? "" : "s"));
            for (Journal.Entry e : entries) {
                String sha = e.patchSha256() == null ? "?" : e.patchSha256().substring(0, 12);
                System.out.printf("%s %-8s pid %-7d %-6s %s at %#x: %s -> %s  %s (sha256 %s...)%s%n", Printable.of(e.time()), Printable.of(e.user()),
                        e.pid(), Printable.of(e.action()), Printable.of(e.function()), e.address(), Printable.of(e.oldBytes()),
                        Printable.of(e.newBytes()), Printable.of(e.patchFile()), Printable.of(sha),
                        e.source() == null ? "" : " from " + Printable.of(e.source()));
            }
        });
    }
}
