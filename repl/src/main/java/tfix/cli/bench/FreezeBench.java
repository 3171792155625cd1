package tfix.cli.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import tfix.engine.apply.Applier;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/**
 * How long one replace stops the target, with 1, 64 and 256 threads (a meter thread spinning on the clock and
 * N-1 workers calling work() between 1 ms sleeps): as tfix measures it, beside the floor (floor.c: a C tracer
 * that stops every thread, writes 14 bytes and detaches, with no checks, measured the same way), and as the
 * target sees it (its meter's longest gap). Tools alternate run by run, each on a fresh target.
 */
final class FreezeBench extends Bench {
    private static final Pattern FLOOR = Pattern.compile("freeze_us=([0-9.]+)");

    FreezeBench(BenchCommand bench) {
        super(bench);
    }

    @Override
    void run() throws Exception {
        Built built = build("freeze", "-pthread");
        Path exe = built.exe();
        Path patch = built.patch();
        Path floor = tools().gcc(tools().source("floor.c"), "floor");
        System.out.println("freeze of one replace (target: a meter spinning on the clock, N-1 threads calling work()"
                + " between 1 ms sleeps):");
        for (int n : bench.threadCounts()) {
            String[] args = {Integer.toString(n), "spin"};
            List<Double> tfixOwn = new ArrayList<>(), tfixSeen = new ArrayList<>(), gdbSeen = new ArrayList<>(),
                    baseline = new ArrayList<>(), tfixSignal = new ArrayList<>(), gdbSignal = new ArrayList<>(),
                    baselineSignal = new ArrayList<>(), floorOwn = new ArrayList<>(), floorSeen = new ArrayList<>();
            HoldTally holds = new HoldTally();
            List<List<Double>> phases = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
            int nativeWindows = 0;
            for (int r = 0; r < bench.runs(); r++) {
                try (BenchTarget t = BenchTarget.start(exe, args)) {
                    long q0 = System.nanoTime();
                    Thread.sleep(300);
                    BenchTarget.Gaps quiet = t.gaps(q0, System.nanoTime());
                    baseline.add(quiet.clockMs());
                    baselineSignal.add(quiet.signalMs());
                    long t0 = System.nanoTime();
                    tfix.engine.timing.Holds.enable(true);
                    var replaced = BenchCommand.tfixReplace(bench.engine(), t.pid(), "work", "work_v2", patch);
                    long t1 = System.nanoTime();
                    holds.addRun();
                    tfixOwn.add(replaced.freezeMillis());
                    Applier.Phases p = replaced.phases();
                    nativeWindows += p.nativeWindow() ? 1 : 0;
                    long[] each = {p.stopNanos(), p.checkNanos(), p.writeNanos(), p.resumeNanos()};
                    for (int i = 0; i < 4; i++) {
                        phases.get(i).add(each[i] / 1e6);
                    }
                    BenchTarget.Gaps seen = t.gaps(t0, t1);
                    tfixSeen.add(seen.clockMs());
                    tfixSignal.add(seen.signalMs());
                }
                try (BenchTarget t = BenchTarget.start(exe, args)) {
                    Thread.sleep(300);
                    String work = t.readyLine().replaceAll(".*work=0x", "");
                    long t0 = System.nanoTime();
                    floorOwn.add(floorMillis(Toolchain.run(List.of(floor.toString(), Integer.toString(t.pid()), work))));
                    long t1 = System.nanoTime();
                    floorSeen.add(t.gaps(t0, t1).clockMs());
                }
                if (bench.gdb()) {
                    try (BenchTarget t = BenchTarget.start(exe, args)) {
                        Thread.sleep(300);
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
            System.out.printf("    medians: stop %.2f + check %.2f + write %.2f + resume %.2f ms; %d of %d stops made by"
                    + " libtfix-freeze.so%n", Stats.median(phases.get(0)), Stats.median(phases.get(1)),
                    Stats.median(phases.get(2)), Stats.median(phases.get(3)), nativeWindows, tfixOwn.size());
            bench.row(n + " threads: stopped, the floor (C, no checks)", Stats.ms(floorOwn), "");
            bench.row(n + " threads: tfix's stop / the floor's (medians)",
                    String.format("%.2fx", Stats.median(tfixOwn) / Stats.median(floorOwn)), "");
            bench.row(n + " threads: longest stop the target saw", Stats.ms(tfixSeen), bench.gdb() ? Stats.ms(gdbSeen) : "n/a");
            bench.row(n + " threads: the same, the floor's run", Stats.ms(floorSeen), "");
            holds.print(n + " threads: what held the target during one replace", 5);
            bench.row(n + " threads: longest gap with nobody attached", Stats.ms(baseline), "");
            bench.row(n + " threads: longest wait of a 1 ms timer's signal, whole command", Stats.ms(tfixSignal),
                    bench.gdb() ? Stats.ms(gdbSignal) : "n/a");
            bench.row(n + " threads: the same with nobody attached", Stats.ms(baselineSignal), "");
        }
    }

    private static double floorMillis(String output) {
        Matcher m = FLOOR.matcher(output);
        if (!m.find()) {
            throw new TfixException(Reason.IO, "the floor tracer printed no freeze time: " + output.strip());
        }
        return Double.parseDouble(m.group(1)) / 1000;
    }
}
