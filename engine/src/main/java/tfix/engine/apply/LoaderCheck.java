package tfix.engine.apply;

import tfix.engine.elf.LoadedModule;
import tfix.engine.elf.ProcessSymbols;
import tfix.engine.failure.Printable;
import tfix.engine.ptrace.Registers;

/**
 * The one hazard of writing an import slot: a thread stopped inside the dynamic loader (binding a lazy
 * import in _dl_runtime_resolve/_dl_fixup) may store the resolved address into the slot when it resumes,
 * undoing tfix's write. Such a thread is busy; the applier lets it run a moment and looks again.
 */
final class LoaderCheck {
    private LoaderCheck() {
    }

    /** The thread in words when its rip lies in the loader's code, else null. */
    static String inLoader(int tid, Registers regs, ProcessSymbols symbols, Write w) {
        for (LoadedModule m : symbols.modules()) {
            if (isLoader(m) && m.mappings().stream().anyMatch(x -> x.executable() && x.contains(regs.rip()))) {
                return String.format("thread %d is inside the dynamic loader (at %s), which may be binding an import and"
                        + " would write the slot of %s after tfix", tid, Printable.of(symbols.describe(regs.rip())),
                        Printable.of(w.function()));
            }
        }
        return null;
    }

    /** ld-linux-x86-64.so.2, by the name every glibc x86-64 system gives it (as the thread chooser knows it). */
    private static boolean isLoader(LoadedModule m) {
        return m.fileName().startsWith("ld-linux");
    }
}
