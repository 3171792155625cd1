package tfix.cli.bench;

import java.io.IOException;
import java.nio.file.Path;

/** One part of `tfix bench`: builds its targets with the command's toolchain and adds rows to its table. */
abstract class Bench {
    /** A benchmark program and the patch library that replaces its function. */
    record Built(Path exe, Path patch) {
    }

    protected final BenchCommand bench;

    Bench(BenchCommand bench) {
        this.bench = bench;
    }

    abstract void run() throws Exception;

    protected Toolchain tools() {
        return bench.tools();
    }

    /** Builds the bundled NAME.c (with {@code flags}) and NAME_patch.c, as libNAME_patch.so. */
    protected Built build(String name, String... flags) throws IOException, InterruptedException {
        Toolchain tools = tools();
        Path exe = tools.gcc(tools.source(name + ".c"), name, flags);
        Path patch = tools.gcc(tools.source(name + "_patch.c"), "lib" + name + "_patch.so", "-shared", "-fPIC");
        return new Built(exe, patch);
    }
}
