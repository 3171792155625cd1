package tfix.cli.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How long one replace stops the target, with 1, 64 and 256 threads: as tfix measures
 * it, and as the target sees it (its watcher thread's longest gap between clock reads).
 */
final class FreezeBench extends Bench {
    FreezeBench(BenchCommand bench) {
        super(bench);
    }

    @Override
    void run() throws Exception {
        Built built = build("freeze", "-pthread");
        Path exe = built.exe();
        Path patch = built.patch();
        System.out.println("freeze of one replace (target: N threads calling work() between 1 ms sleeps):");
        for (int n : bench.threadCounts()) {
            List<Double> tfixOwn = new ArrayList<>(), tfixSeen = new ArrayList<>(), gdbSeen = new ArrayList<>(),
                    baseline = new ArrayList<>(), tfixSignal = new ArrayList<>(), gdbSignal = new ArrayList<>(),
                    baselineSignal = new ArrayList<>();
            String phases = "";
            for (int r = 0; r < bench.runs(); r++) {
                try (BenchTarget t = BenchTarget.start(exe, Integer.toString(n))) {
                    long q0 = System.nanoTime();
                    Thread.sleep(300);
                    BenchTarget.Gaps quiet = t.gaps(q0, System.nanoTime());
                    baseline.add(quiet.clockMs());
                    baselineSignal.add(quiet.signalMs());
                    long t0 = System.nanoTime();
                    var replaced = BenchCommand.tfixReplace(bench.engine(), t.pid(), "work", "work_v2", patch);
                    long t1 = System.nanoTime();
                    tfixOwn.add(replaced.freezeMillis());
                    phases = replaced.phases().toString();
                    BenchTarget.Gaps seen = t.gaps(t0, t1);
                    tfixSeen.add(seen.clockMs());
                    tfixSignal.add(seen.signalMs());
                }
                if (bench.gdb()) {
                    try (BenchTarget t = BenchTarget.start(exe, Integer.toString(n))) {
                        Thread.sleep(300);
                        t.maxGapMs(System.nanoTime(), System.nanoTime());
                        long t0 = System.nanoTime();
                        BenchCommand.timed(BenchCommand.gdbReplace(t.pid(), "work", "work_v2", patch));
                        long t1 = System.nanoTime();
                        BenchTarget.Gaps seen = t.gaps(t0, t1);
                        gdbSeen.add(seen.clockMs());
                        gdbSignal.add(seen.signalMs());
                    }
                }
            }
            bench.row(n + " threads: stopped, as tfix measures it", Stats.ms(tfixOwn), "(gdb does not say)");
            System.out.println("    last run: " + phases);
            bench.row(n + " threads: longest stop the target saw", Stats.ms(tfixSeen), bench.gdb() ? Stats.ms(gdbSeen) : "n/a");
            bench.row(n + " threads: longest gap with nobody attached", Stats.ms(baseline), "");
            bench.row(n + " threads: longest wait of a 1 ms timer's signal, whole command", Stats.ms(tfixSignal),
                    bench.gdb() ? Stats.ms(gdbSignal) : "n/a");
            bench.row(n + " threads: the same with nobody attached", Stats.ms(baselineSignal), "");
        }
    }
}
