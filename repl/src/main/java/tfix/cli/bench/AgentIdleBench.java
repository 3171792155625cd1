package tfix.cli.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import tfix.cli.AgentCommand;

/**
 * What the agent costs a program that never calls on it: the program's own loop (calls per second of f()), one copy
 * started without it and one with libtfix-agent.so preloaded (its control thread blocked in accept), both running at
 * once, so that whatever else loads the machine weighs on both alike; their windows are compared pairwise.
 */
final class AgentIdleBench extends Bench {
    AgentIdleBench(BenchCommand bench) {
        super(bench);
    }

    @Override
    void run() throws Exception {
        Built built = build("callrate");
        String preload = "LD_PRELOAD=" + AgentCommand.find();
        System.out.println("idle cost of the agent:");
        List<Double> without = new ArrayList<>(), with = new ArrayList<>(), ratio = new ArrayList<>();
        try (BenchTarget plain = BenchTarget.start(built.exe());
             BenchTarget agent = BenchTarget.start(Path.of("/usr/bin/env"), preload, built.exe().toString())) {
            plain.await("rate", Duration.ofSeconds(5)); // the first windows include the starts
            agent.await("rate", Duration.ofSeconds(5));
            for (int i = 0; i < Math.max(10, 2 * bench.runs()); i++) {
                double a = rate(plain), b = rate(agent);
                without.add(a);
                with.add(b);
                ratio.add(b / a);
            }
        }
        double a = Stats.median(without), b = Stats.median(with);
        bench.row("calls/s of the program's own loop, no agent", String.format("%.1f M/s", a / 1e6), "");
        bench.row("the same with libtfix-agent.so loaded, idle", String.format("%.1f M/s (%+.2f%% pairwise)", b / 1e6,
                100 * (Stats.median(ratio) - 1)), "");
    }

    private static double rate(BenchTarget t) {
        return Double.parseDouble(t.await("calls_per_s=(\\d+)", Duration.ofSeconds(5)).group(1));
    }
}
