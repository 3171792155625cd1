package tfix.cli.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import tfix.engine.Options;
import tfix.engine.Results;
import tfix.engine.TfixSession;
import tfix.engine.patch.ReplaceSpec;

/** One transaction of 1,000 functions: the freeze tfix needs, against gdb writing the same jumps. */
final class TransactionBench extends Bench {
    static final int FUNCTIONS = 1000;

    TransactionBench(BenchCommand bench) {
        super(bench);
    }

    @Override
    void run() throws Exception {
        Toolchain tools = tools();
        StringBuilder target = new StringBuilder("#define _GNU_SOURCE\n#include <stdio.h>\n#include <time.h>\n#include <unistd.h>\n");
        StringBuilder patch = new StringBuilder();
        for (int i = 0; i < FUNCTIONS; i++) {
            target.append(String.format("__attribute__((noinline)) int f%d(int x) { volatile int k = %d; return x * k + k + 1; }%n", i, i));
            patch.append(String.format("int f%d_v2(int x) { volatile int k = %d; return x * k + k + 2; }%n", i, i));
        }
        target.append("typedef int (*fn)(int);\nstatic fn all[] = {");
        for (int i = 0; i < FUNCTIONS; i++) {
            target.append(i == 0 ? "" : ",").append("f").append(i);
        }
        target.append("};\n").append("""
                static long now_ns(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1000000000L + t.tv_nsec; }
                int main(void) {
                    setvbuf(stdout, NULL, _IOLBF, 0);
                    printf("ready pid=%d\\n", getpid());
                    long last = now_ns(), window = last, max = 0; volatile int sink = 0;
                    for (;;) {
                        for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++) sink += all[i](1);
                        struct timespec ts = {0, 200000L}; nanosleep(&ts, NULL);
                        long now = now_ns(); if (now - last > max) max = now - last; last = now;
                        if (now - window >= 100000000L) { printf("gap t=%ld max_us=%ld\\n", now, max / 1000); max = 0; window = now; }
                    }
                }
                """);
        Path exe = tools.gcc(tools.write("many.c", target.toString()), "many", "-O1");
        Path lib = tools.gcc(tools.write("many_patch.c", patch.toString()), "libmany_patch.so", "-O1", "-shared", "-fPIC");
        List<ReplaceSpec> specs = new ArrayList<>();
        StringBuilder gdbScript = new StringBuilder("set $h = ((void*(*)(const char*, int))dlopen)(\"" + lib + "\", 2)\n");
        for (int i = 0; i < FUNCTIONS; i++) {
            specs.add(ReplaceSpec.of("f" + i, "f" + i + "_v2", lib));
            gdbScript.append(String.format("set $o = (unsigned long)&f%d%nset *(unsigned short*)$o = 0x25ff%n"
                    + "set *(unsigned int*)($o+2) = 0%nset *(unsigned long*)($o+6) = (unsigned long)&f%d_v2%n", i, i));
        }
        gdbScript.append("detach\n");
        Path gdbFile = tools.write("many.gdb", gdbScript.toString());
        System.out.println("one transaction of " + FUNCTIONS + " functions:");
        List<Double> freeze = new ArrayList<>(), seen = new ArrayList<>(), total = new ArrayList<>(), gdbSeen = new ArrayList<>();
        for (int r = 0; r < Math.max(1, bench.runs() / 2); r++) {
            try (BenchTarget t = BenchTarget.start(exe)) {
                long t0 = System.nanoTime();
                try (TfixSession s = TfixSession.attach(t.pid(), bench.engine(), Options.defaults())) {
                    List<Results.Replaced> done = s.transaction(specs);
                    freeze.add(done.get(0).freezeMillis());
                }
                long t1 = System.nanoTime();
                total.add((t1 - t0) / 1e6);
                seen.add(t.maxGapMs(t0, t1));
            }
            if (bench.gdb()) {
                try (BenchTarget t = BenchTarget.start(exe)) {
                    long t0 = System.nanoTime();
                    BenchCommand.timed(List.of("gdb", "-nx", "-batch", "-p", Integer.toString(t.pid()), "-x", gdbFile.toString()));
                    gdbSeen.add(t.maxGapMs(t0, System.nanoTime()));
                }
            }
        }
        bench.row(FUNCTIONS + " functions: stopped, as tfix measures it", Stats.ms(freeze), "");
        bench.row(FUNCTIONS + " functions: longest stop the target saw", Stats.ms(seen), bench.gdb() ? Stats.ms(gdbSeen) : "n/a");
        bench.row(FUNCTIONS + " functions: attach, plan, load, write, detach", Stats.ms(total), "");
    }
}
