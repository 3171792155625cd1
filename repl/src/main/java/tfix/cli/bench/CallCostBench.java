package tfix.cli.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The cost of a call through the jump: calls per second of f() before and after it jumps to the same code. */
final class CallCostBench extends Bench {
    CallCostBench(BenchCommand bench) {
        super(bench);
    }

    @Override
    void run() throws Exception {
        Built built = build("callrate");
        Path exe = built.exe();
        Path patch = built.patch();
        System.out.println("cost of a call through the jump:");
        try (BenchTarget t = BenchTarget.start(exe)) {
            List<Double> direct = rates(t);
            String kind = BenchCommand.tfixReplace(bench.engine(), t.pid(), "f", "f_v2", patch).plan().kind().label();
            List<Double> jumped = rates(t);
            double d = Stats.median(direct), j = Stats.median(jumped);
            bench.row("calls/s to f(), direct", String.format("%.1f M/s", d / 1e6), "");
            bench.row("calls/s to f() through the jump (" + kind + ")", String.format("%.1f M/s (%+.2f ns/call)", j / 1e6,
                    1e9 / j - 1e9 / d), "same jump");
        }
    }

    private List<Double> rates(BenchTarget t) {
        t.await("rate", Duration.ofSeconds(5)); // skip a window that may straddle the patch
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < Math.max(5, bench.runs()); i++) {
            out.add(Double.parseDouble(t.await("calls_per_s=(\\d+)", Duration.ofSeconds(5)).group(1)));
        }
        return out;
    }
}
