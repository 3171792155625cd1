package tfix.cli.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import tfix.engine.Engine;
import tfix.engine.Options;
import tfix.engine.TfixSession;
import tfix.engine.elf.ProcessSymbols;
import tfix.engine.failure.TfixException;

/** Symbol look-up in a process that maps a library with 100,000 symbols. */
final class SymbolBench extends Bench {
    static final int SYMBOLS = 100_000;

    SymbolBench(BenchCommand bench) {
        super(bench);
    }

    @Override
    void run() throws Exception {
        Toolchain tools = tools();
        StringBuilder asm = new StringBuilder(".text\n");
        for (int i = 0; i < SYMBOLS; i++) {
            asm.append(String.format(".globl sym_%06d%n.type sym_%06d,@function%nsym_%06d:%n\tret%n.size sym_%06d, .-sym_%06d%n",
                    i, i, i, i, i));
        }
        Path lib = tools.gcc(tools.write("lib100k.s", asm.toString()), "lib100k.so", "-shared", "-nostdlib");
        Path host = tools.gcc(tools.write("symhost.c", """
                #include <stdio.h>
                #include <unistd.h>
                void sym_099999(void);
                int main(void) {
                    setvbuf(stdout, NULL, _IOLBF, 0);
                    sym_099999();
                    printf("ready pid=%d\\n", getpid());
                    for (;;) pause();
                }
                """), "symhost", lib.toString(), "-Wl,-rpath," + lib.getParent());
        System.out.println("symbol look-up, " + SYMBOLS + " symbols in one library:");
        List<Double> attach = new ArrayList<>(), first = new ArrayList<>(), again = new ArrayList<>(), source = new ArrayList<>(),
                viaGdb = new ArrayList<>(), retake = new ArrayList<>(), debugFile = new ArrayList<>();
        try (BenchTarget t = BenchTarget.start(host)) {
            for (int r = 0; r < bench.runs(); r++) {
                Engine cold = Engine.create(); // nothing parsed yet
                long t0 = System.nanoTime();
                try (TfixSession s = TfixSession.attach(t.pid(), cold, Options.defaults())) {
                    attach.add((System.nanoTime() - t0) / 1e6);
                    ProcessSymbols syms = s.symbols();
                    long t4 = System.nanoTime();
                    try {
                        syms.resolve("_int_malloc", "libc.so.6", List.of()); // static: only libc's debug file names it
                        debugFile.add((System.nanoTime() - t4) / 1e6);
                    } catch (TfixException notInstalled) {
                        // no libc6-dbg: no figure
                    }
                    long t1 = System.nanoTime();
                    syms.resolve("sym_099999", null, List.of());
                    first.add((System.nanoTime() - t1) / 1e6);
                    long t2 = System.nanoTime();
                    for (int i = 0; i < 1000; i++) {
                        syms.resolve(String.format("sym_%06d", i * 97), null, List.of());
                    }
                    again.add((System.nanoTime() - t2) / 1e6 / 1000);
                    long t3 = System.nanoTime();
                    try {
                        syms.resolve("Nothing::here()", null, List.of());
                    } catch (TfixException expected) {
                        // Not found: what is timed is building the source-name index of every module.
                    }
                    source.add((System.nanoTime() - t3) / 1e6);
                } finally {
                    cold.decoder().close();
                }
                // A REPL statement after the process was let go: the engine keeps the parsed files, so attaching again
                // reads the maps and the record only (the status is the record's read).
                Engine warm = bench.engine();
                TfixSession.attach(t.pid(), warm, Options.defaults()).detach(); // parsed once
                long t4 = System.nanoTime();
                try (TfixSession s = TfixSession.attach(t.pid(), warm, Options.defaults())) {
                    s.status();
                }
                retake.add((System.nanoTime() - t4) / 1e6);
                if (bench.gdb()) {
                    viaGdb.add(BenchCommand.timed(List.of("gdb", "-nx", "-batch", "-p", Integer.toString(t.pid()),
                            "-ex", "info address sym_099999", "-ex", "detach")));
                }
            }
        }
        bench.row("attach, reading every mapped ELF file (cold)", Stats.ms(attach), bench.gdb() ? Stats.ms(viaGdb) + " (whole)" : "");
        bench.row("first look-up (builds the library's name index)", Stats.ms(first), "");
        bench.row("later look-ups, each", String.format("%.4f ms", Stats.median(again)), "");
        bench.row("C++ source-name index of every module", Stats.ms(source), "");
        bench.row("REPL: attach again, status, detach (warm engine)", Stats.ms(retake), "");
        if (!debugFile.isEmpty()) {
            bench.row("first look-up in libc, of a static named by libc6-dbg (reads the debug file)", Stats.ms(debugFile), "");
        }
    }
}
