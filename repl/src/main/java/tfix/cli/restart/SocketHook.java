package tfix.cli.restart;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * libtfix-agent.so, preloaded into the new program: its hook (agent/src/socket_handover.c, active only with
 * TFIX_RESTART_HOOK set and LISTEN_PID its own pid) hands a program that binds its own socket the inherited one
 * with that address, and the new program carries the agent, so it can be patched where ptrace is refused. Found under the installation, as include/ is: tfix.home,
 * or three levels above the jar or classes. The path must be valid in the target's mount namespace too.
 */
final class SocketHook {
    static final String MARK = "TFIX_RESTART_HOOK";

    private SocketHook() {
    }

    static Optional<Path> find() {
        List<Path> homes = new ArrayList<>();
        Optional.ofNullable(System.getProperty("tfix.home")).ifPresent(h -> homes.add(Path.of(h)));
        try {
            Path code = Path.of(SocketHook.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (Path p = code; p != null && homes.size() < 8; p = p.getParent()) {
                homes.add(p);
            }
        } catch (URISyntaxException | RuntimeException e) {
            // only tfix.home is looked at
        }
        return homes.stream().map(h -> h.resolve("agent/build/libtfix-agent.so").toAbsolutePath().normalize())
                .filter(Files::isRegularFile).findFirst();
    }

    /**
     * The environment with the hook preloaded (before the program's own preloads) and named for it to remove
     * itself; a hook left in an environment by an earlier restart (/proc shows the initial one) is taken out first.
     */
    static List<String> preloaded(List<String> env, Optional<Path> hook) {
        String earlier = env.stream().filter(e -> e.startsWith(MARK + "=")).map(e -> e.substring(MARK.length() + 1))
                .findFirst().orElse(null);
        List<String> out = new ArrayList<>();
        String preload = null;
        for (String e : env) {
            if (e.startsWith(MARK + "=")) {
                continue;
            }
            if (e.startsWith("LD_PRELOAD=")) {
                preload = Arrays.stream(e.substring(11).split("[: ]")).filter(p -> !p.isEmpty() && !p.equals(earlier)
                        && hook.map(h -> !p.equals(h.toString())).orElse(true)).collect(Collectors.joining(":"));
                continue;
            }
            out.add(e);
        }
        if (hook.isPresent()) {
            out.add("LD_PRELOAD=" + hook.get() + (preload == null || preload.isEmpty() ? "" : ":" + preload));
            out.add(MARK + "=" + hook.get());
        } else if (preload != null && !preload.isEmpty()) {
            out.add("LD_PRELOAD=" + preload);
        }
        return out;
    }
}
