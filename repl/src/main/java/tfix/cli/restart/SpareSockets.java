package tfix.cli.restart;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

import tfix.engine.Engine;
import tfix.engine.Options;
import tfix.engine.TfixSession;
import tfix.engine.failure.TfixException;
import tfix.engine.restart.Listener;
import tfix.engine.restart.ProcFiles;
import tfix.engine.restart.Readiness;

/**
 * Closes, in the new program, the handed-over sockets it did not take ({@link Readiness#untaken}): once the old one
 * stopped accepting, the new one holds the only reference, and a socket nobody accepts on would queue connections
 * that are never answered; closed, they are refused at once. A program gets {@link #GRACE} after it is ready to
 * take the rest (a thread per listener may still be on its way to accept). Closed by a call in the new program
 * (ptrace), the same for a program that read LISTEN_FDS and one the hook served.
 */
final class SpareSockets {
    static final Duration GRACE = Duration.ofSeconds(1);

    private SpareSockets() {
    }

    /** {@code fresh}: the new program's /proc, closed here before the session (its agent takes one peer at a time). */
    static void close(Engine engine, Options options, NewProgramFiles fresh, List<Listener> handed, PrintStream out) {
        int newPid = fresh.files.pid();
        long deadline = System.nanoTime() + GRACE.toNanos();
        List<Integer> untaken;
        try (fresh) {
            untaken = Readiness.untaken(fresh.files, handed);
            while (!untaken.isEmpty() && System.nanoTime() < deadline) {
                LockSupport.parkNanos(20_000_000);
                untaken = Readiness.untaken(fresh.files, handed);
            }
        }
        if (untaken.isEmpty()) {
            return;
        }
        try (TfixSession session = TfixSession.attach(newPid, engine, options)) {
            ProcFiles proc = session.agent().map(ProcFiles::through).orElseGet(() -> ProcFiles.of(newPid));
            List<Integer> closed = session.remote((libc, kick) -> {
                // Asked again in the program: a socket it took meanwhile stays.
                List<Integer> now = Readiness.untaken(proc, handed);
                now.forEach(libc::close);
                return now;
            });
            if (!closed.isEmpty()) {
                out.println("closed in pid " + newPid + " the handed-over socket(s) it did not take: " + closed.stream()
                        .map(fd -> handed.get(fd - 3).kind() + " " + handed.get(fd - 3).address() + " (fd " + fd + ")")
                        .collect(Collectors.joining(", ")));
            }
        } catch (TfixException e) {
            out.println("note: the socket(s) pid " + newPid + " did not take stay open in it (" + e.getMessage() + ")");
        }
    }
}
