package tfix.cli.restart;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import tfix.engine.TfixSession;
import tfix.engine.restart.LiveEnvironment;
import tfix.engine.restart.NotifyListener;

/**
 * The environment the new program starts with: the old one's live environment (libc's environ, so what it
 * setenv()'d since it started counts), or the one it was started with when that cannot be read; without the
 * LISTEN_ variables (the spawn sets its own); NOTIFY_SOCKET: systemd's, when the old program had one (the new
 * program talks to systemd itself, also after tfix is gone), else tfix's own listener when there is one; and the
 * socket hook preloaded.
 */
final class NewEnvironment {
    private NewEnvironment() {
    }

    static List<String> of(TfixSession session, OldProgram old, Optional<Path> hook, Optional<NotifyListener> notify,
                           PrintStream out) {
        List<String> env = new ArrayList<>(session.remote((libc, kick) -> LiveEnvironment.read(libc)).orElseGet(() -> {
            out.println("note: the live environment of pid " + old.pid() + " could not be read (no libc environ):"
                    + " the new program gets the one it was started with");
            return old.environment();
        }));
        env.removeIf(e -> e.startsWith("LISTEN_PID=") || e.startsWith("LISTEN_FDS=") || e.startsWith("LISTEN_FDNAMES="));
        String systemd = old.systemdNotify();
        if (systemd != null || notify.isPresent()) {
            // sd_notify(unset_environment=1) may have dropped it from the live one: the new main process needs it too.
            env.removeIf(e -> e.startsWith("NOTIFY_SOCKET="));
            env.add("NOTIFY_SOCKET=" + (systemd != null ? systemd : notify.get().address()));
        }
        return SocketHook.preloaded(env, hook);
    }
}
