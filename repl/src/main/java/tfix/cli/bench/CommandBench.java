package tfix.cli.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The whole command's wall time, JVM start included, with and without a class-data
 * sharing archive, against gdb's batch run of the same replace.
 */
final class CommandBench extends Bench {
    CommandBench(BenchCommand bench) {
        super(bench);
    }

    @Override
    void run() throws Exception {
        Built built = build("freeze", "-pthread");
        Path exe = built.exe();
        Path patch = built.patch();
        Path jar = Path.of(BenchCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (!jar.toString().endsWith(".jar")) {
            bench.row("whole command (tfix exec)", "n/a: run from tfix.jar", "");
            return;
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path cds = tools().dir().resolve("tfix.jsa");
        System.out.println("whole command: attach, replace, detach (JVM start included):");
        List<Double> plain = new ArrayList<>(), shared = new ArrayList<>(), viaGdb = new ArrayList<>();
        for (int r = 0; r < bench.runs() + 1; r++) {
            try (BenchTarget t = BenchTarget.start(exe, "4")) {
                String script = "attach " + t.pid() + "; replace 'work' with 'work_v2' from '" + patch + "'; revert 'work'; detach";
                if (r == 0) {
                    // The first run writes the class-data sharing archive (not timed).
                    Toolchain.run(List.of(java, "-XX:ArchiveClassesAtExit=" + cds, "-XX:TieredStopAtLevel=1", "-jar",
                            jar.toString(), "exec", script));
                    continue;
                }
                plain.add(BenchCommand.timed(List.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar",
                        jar.toString(), "exec", script)));
                if (Files.exists(cds)) {
                    shared.add(BenchCommand.timed(List.of(java, "-XX:SharedArchiveFile=" + cds, "-XX:TieredStopAtLevel=1",
                            "-XX:+UseSerialGC", "-jar", jar.toString(), "exec", script)));
                }
            }
            if (bench.gdb()) {
                try (BenchTarget t = BenchTarget.start(exe, "4")) {
                    viaGdb.add(BenchCommand.timed(BenchCommand.gdbReplace(t.pid(), "work", "work_v2", patch)));
                }
            }
        }
        bench.row("whole command, JVM start included", Stats.ms(plain), bench.gdb() ? Stats.ms(viaGdb) : "n/a");
        bench.row("whole command with a class-data sharing archive", Stats.ms(shared), "");
    }
}
