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
                    baseline = new ArrayList<>();
            String phases = "";
            for (int r = 0; r < bench.runs(); r++) {
                try (BenchTarget t = BenchTarget.start(exe, Integer.toString(n))) {
                    long q0 = System.nanoTime();
                    Thread.sleep(300);
                    baseline.add(t.maxGapMs(q0, System.nanoTime()));
                    long t0 = System.nanoTime();
                    var replaced = BenchCommand.tfixReplace(bench.engine(), t.pid(), "work", "work_v2", patch);
                    long t1 = System.nanoTime();
                    tfixOwn.add(replaced.freezeMillis());
                    phases = replaced.phases().toString();
                    tfixSeen.add(t.maxGapMs(t0, t1));
                }
                if (bench.gdb()) {
                    try (BenchTarget t = BenchTarget.start(exe, Integer.toString(n))) {
                        Thread.sleep(300);
                        t.maxGapMs(System.nanoTime(), System.nanoTime());
                        long t0 = System.nanoTime();
                        BenchCommand.timed(BenchCommand.gdbReplace(t.pid(), "work", "work_v2", patch));
                        long t1 = System.nanoTime();
                        gdbSeen.add(t.maxGapMs(t0, t1));
                    }
                }
            }
            bench.row(n + " threads: stopped, as tfix measures it", Stats.ms(tfixOwn), "(gdb does not say)");
            System.out.println("    last run: " + phases);
            bench.row(n + " threads: longest stop the target saw", Stats.ms(tfixSeen), bench.gdb() ? Stats.ms(gdbSeen) : "n/a");
            bench.row(n + " threads: longest gap with nobody attached", Stats.ms(baseline), "");
        }
    }
}
