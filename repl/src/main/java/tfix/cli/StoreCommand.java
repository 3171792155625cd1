package tfix.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.guard.PatchStore;
import tfix.engine.process.MemoryMap;
import tfix.engine.process.ProcessScan;
import tfix.engine.process.TargetProcess;
import tfix.engine.sys.Native;

/** `tfix store`: where patches are loaded from, and removing the ones no process maps any more. */
@Command(name = "store", mixinStandardHelpOptions = true, description = "Show the patch store (`tfix store`), or remove"
        + " the stored patches no process maps (`tfix store gc`).")
final class StoreCommand implements Callable<Integer> {
    @Parameters(paramLabel = "ACTION", arity = "0..1", description = "gc: remove stored patches no process maps.")
    String action;

    @Option(names = "--min-age", description = "Keep patches stored less than this many minutes ago (a tfix may be"
            + " about to load one; default ${DEFAULT-VALUE}).", defaultValue = "10")
    long minAgeMinutes;

    @Option(names = "--debug", description = "Print stack traces for errors.")
    boolean debug;

    @Override
    public Integer call() {
        return Cli.guard(debug, () -> {
            PatchStore store = PatchStore.standard(new Native().libc().geteuid());
            if (action == null) {
                System.out.println(store.root());
                return;
            }
            if (!action.equals("gc")) {
                throw new TfixException(Reason.BAD_INPUT, "unknown store action '" + action + "': use `tfix store gc`");
            }
            List<Path> removed = store.collect(mapped(store.root()), Duration.ofMinutes(minAgeMinutes));
            removed.forEach(p -> System.out.println("removed " + p));
            System.out.println(removed.size() + " stored patch" + (removed.size() == 1 ? "" : "es") + " removed;"
                    + " those mapped by a process stay");
        });
    }

    /**
     * Every store file some process maps (a process gone meanwhile maps nothing). A process whose maps cannot be
     * read is one tfix cannot have attached to either (attaching reads them): it is skipped, and counted.
     */
    private static Set<String> mapped(Path root) {
        String prefix = root + "/";
        Set<String> out = new HashSet<>();
        List<Integer> unread = new ArrayList<>();
        for (int pid : new ProcessScan().all()) {
            try {
                for (MemoryMap m : new TargetProcess(pid).maps().entries()) {
                    String p = m.path().endsWith(" (deleted)") ? m.path().substring(0, m.path().length() - 10) : m.path();
                    if (p.startsWith(prefix)) {
                        out.add(p);
                    }
                }
            } catch (RuntimeException e) {
                if (new TargetProcess(pid).alive()) {
                    unread.add(pid);
                }
            }
        }
        if (!unread.isEmpty()) {
            System.out.println("skipped " + unread.size() + " process" + (unread.size() == 1 ? "" : "es") + " whose maps"
                    + " cannot be read (tfix cannot have patched them): " + unread.subList(0, Math.min(8, unread.size()))
                    + (unread.size() > 8 ? "..." : ""));
        }
        return out;
    }
}
