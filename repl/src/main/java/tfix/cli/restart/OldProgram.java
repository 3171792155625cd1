package tfix.cli.restart;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.restart.NotifyListener;
import tfix.engine.restart.ProcFiles;

/**
 * What the old program was started as, from /proc: its executable, argv and initial environment (the one it was
 * given; {@link NewEnvironment} reads the live one). The LISTEN_ variables of an earlier restart are dropped.
 */
record OldProgram(int pid, String executable, List<String> argv, List<String> environment) {
    /** {@code proc}: read through the process's agent when it forbids ptrace (exe and environ need it). */
    static OldProgram read(ProcFiles proc) {
        int pid = proc.pid();
        try {
            String exe = proc.link("exe");
            // An executable replaced on disk since it started: the new file at that path is the one to run.
            exe = exe.endsWith(" (deleted)") ? exe.substring(0, exe.length() - " (deleted)".length()) : exe;
            List<String> env = new ArrayList<>(split(proc.bytes("environ")));
            env.removeIf(e -> e.startsWith("LISTEN_PID=") || e.startsWith("LISTEN_FDS=") || e.startsWith("LISTEN_FDNAMES="));
            return new OldProgram(pid, exe, split(proc.bytes("cmdline")), env);
        } catch (IOException e) {
            throw new TfixException(Reason.PROCESS_GONE, "cannot read process " + pid + " in /proc (" + e.getMessage()
                    + "): is it running, and yours (or run tfix as root)?");
        }
    }

    /** The value of an environment variable, or null. */
    String env(String name) {
        return environment.stream().filter(e -> e.startsWith(name + "=")).map(e -> e.substring(name.length() + 1))
                .findFirst().orElse(null);
    }

    /** systemd's NOTIFY_SOCKET (from the environment it was started with), or null; one an earlier tfix restart gave is none. */
    String systemdNotify() {
        String s = env("NOTIFY_SOCKET");
        return s == null || s.isEmpty() || s.startsWith(NotifyListener.PREFIX) ? null : s;
    }

    private static List<String> split(byte[] nulSeparated) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < nulSeparated.length; i++) {
            if (nulSeparated[i] == 0) {
                out.add(new String(nulSeparated, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (start < nulSeparated.length) {
            out.add(new String(nulSeparated, start, nulSeparated.length - start, StandardCharsets.UTF_8));
        }
        return out;
    }
}
