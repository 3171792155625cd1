package tfix.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import tfix.dsl.ScriptRunner;
import tfix.dsl.TfixContext;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.service.ServiceProcess;

/**
 * The sample story: a game server with a scoring bug keeps its players and its
 * clients while tfix fixes the bug in place, then undoes the fix.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, description = "Build the sample game server, patch its bug live, show its state kept, revert.")
final class DemoCommand implements Callable<Integer> {
    @Mixin
    Main.Common common;

    /** A kill scored at a streak of 4 or more: where the bug shows. */
    private static final String MVP_LINE = "tick=\\d+ .*mvp=bob$";
    private static final String STREAK_LINE = "tick=(\\d+) .*streak=([4-9]) points=(-?\\d+)";

    @Override
    public Integer call() {
        return Cli.guard(common.debug, this::demo);
    }

    private void demo() throws Exception {
        Path home = Path.of(System.getProperty("tfix.home", ".")).toAbsolutePath().normalize();
        Path samples = home.resolve("samples");
        step("Building the sample game server and its fix (make -C samples)");
        run(List.of("make", "-s", "-C", samples.toString()));

        step("Starting the game server");
        try (ServiceProcess server = Services.start(samples.resolve("build/gameserver"), "0");
             Socket client = new Socket("127.0.0.1", port(server))) {
            int pid = server.pid();
            // Ctrl-C ends the demo: its server goes with it (a script in progress lets the process go first).
            Thread stopServer = new Thread(server::close, "demo-server-stop");
            Runtime.getRuntime().addShutdownHook(stopServer);
            System.out.printf("  pid %d, listening on 127.0.0.1:%d, log in %s%n", pid, client.getPort(), server.log());
            BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
            PrintWriter send = new PrintWriter(client.getOutputStream(), true, StandardCharsets.UTF_8);

            step("The bug: a kill streak of 4 or more costs points instead of earning a bonus");
            Matcher bug = Services.await(server, STREAK_LINE, Duration.ofSeconds(20));
            System.out.println("  " + bug.group(0));
            List<String> before = query(send, in);
            System.out.println("  a client connected now sees:");
            before.forEach(l -> System.out.println("    " + l));

            step("Fixing it live: tfix run samples/gameserver/fix-score.tfix.groovy --pid " + pid);
            runScript(samples.resolve("gameserver/fix-score.tfix.groovy"), pid);
            server.drain(); // lines printed while the script ran may come from before the fix

            step("The fix in effect: the same streak now earns a bonus");
            Matcher fixed = Services.await(server, STREAK_LINE, Duration.ofSeconds(20));
            System.out.println("  " + fixed.group(0));
            if (Integer.parseInt(fixed.group(3)) <= 0) {
                throw new TfixException(Reason.VERIFY_FAILED, "the fix did not take effect: " + fixed.group(0));
            }

            step("State kept: same process, same players, counters carried on, same client connection");
            List<String> after = query(send, in);
            after.forEach(l -> System.out.println("    " + l));
            System.out.printf("  pid %d still running: %b; rounds before %s, after %s%n", pid,
                    Files.exists(Path.of("/proc/" + pid)), rounds(before), rounds(after));

            step("Reverting: tfix run samples/gameserver/revert-score.tfix.groovy --pid " + pid);
            runScript(samples.resolve("gameserver/revert-score.tfix.groovy"), pid);
            server.drain();
            Matcher back = Services.await(server, STREAK_LINE, Duration.ofSeconds(20));
            System.out.println("  the original code runs again: " + back.group(0));

            step("A second bug: pick_mvp forgets the bench (bob is benched, yet named MVP)");
            System.out.println("  " + Services.await(server, MVP_LINE, Duration.ofSeconds(20)).group(0));
            step("Its fix uses the server's static benched[] and player_rating() and calls the original:"
                    + " tfix run samples/gameserver/fix-mvp.tfix.groovy --pid " + pid);
            runScript(samples.resolve("gameserver/fix-mvp.tfix.groovy"), pid);
            server.drain();
            Matcher mvp = Services.await(server, "tick=\\d+ .*mvp=(?!bob)(\\w+)$", Duration.ofSeconds(20));
            System.out.println("  the best player off the bench: " + mvp.group(0));
            runScript(samples.resolve("gameserver/revert-mvp.tfix.groovy"), pid);
            send.println("quit");
            Runtime.getRuntime().removeShutdownHook(stopServer);
        }
        step("Done: the game server was patched and restored without a restart (it has now been stopped)");
    }

    private static int port(ServiceProcess server) {
        Matcher m = java.util.regex.Pattern.compile("port=(\\d+)").matcher(server.readyLine());
        if (!m.find()) {
            throw new TfixException(Reason.IO, "the game server did not say its port: " + server.readyLine());
        }
        return Integer.parseInt(m.group(1));
    }

    private void runScript(Path script, int pid) {
        try (TfixContext ctx = Cli.context(common, script.getParent())) {
            new ScriptRunner(ctx).runFile(script, Map.of("pid", pid));
        }
    }

    private static List<String> query(PrintWriter send, BufferedReader in) throws IOException {
        send.println("status");
        List<String> lines = new ArrayList<>();
        String l;
        while ((l = in.readLine()) != null && !l.equals("end")) {
            lines.add(l);
        }
        return lines;
    }

    private static String rounds(List<String> status) {
        return status.stream().filter(l -> l.startsWith("tick=")).findFirst().orElse("?");
    }

    private static void step(String what) {
        System.out.println();
        System.out.println("== " + what);
    }

    private static void run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new TfixException(Reason.IO, "`" + String.join(" ", cmd) + "` failed with exit code " + p.exitValue());
        }
    }
}
