package tfix.engine.prepare;

import java.nio.file.Path;
import java.util.Optional;

import tfix.engine.elf.ElfImage;
import tfix.engine.elf.LoadedModule;
import tfix.engine.elf.ProcessSymbols;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.guard.FileDigest;

/**
 * Pins that tie a patch to what it was made for: the patch file's SHA-256, and the
 * GNU build-id of the target's executable or a library. A patch may carry its own
 * build-id pin as a string symbol {@value #PATCH_SYMBOL} ("HEX" for the executable,
 * "library!HEX" for a library).
 */
public final class Pins {
    static final String PATCH_SYMBOL = "tfix_target_build_id";

    private Pins() {
    }

    public static void checkSha256(Path patch, String expected) {
        if (expected == null) {
            return;
        }
        String actual = FileDigest.sha256(patch);
        if (!actual.equalsIgnoreCase(expected.trim())) {
            throw new TfixException(Reason.BAD_PATCH_FILE, "patch file " + patch + " has SHA-256 " + actual + ", not the pinned " + expected
                    + ": it is not the file the runbook was written for");
        }
    }

    /** The module a build-id pin names: the executable (first mapped), or a library by name. */
    static LoadedModule module(ProcessSymbols symbols, String library) {
        if (library == null) {
            return symbols.modules().get(0);
        }
        return symbols.modules().stream().filter(m -> m.matchesLibrary(library)).findFirst().orElseThrow(() ->
                new TfixException(Reason.NOT_FOUND, "no library matching '" + library + "' is loaded, so its build-id cannot be checked"));
    }

    public static void checkBuildId(ProcessSymbols symbols, String library, String expected, String consequence) {
        LoadedModule m = module(symbols, library);
        Optional<String> actual = m.image().buildId();
        if (actual.isEmpty()) {
            throw new TfixException(Reason.WRONG_BUILD, m.path() + " has no GNU build-id, so the pinned " + expected + " cannot be checked");
        }
        if (!actual.get().equalsIgnoreCase(expected.trim())) {
            throw new TfixException(Reason.WRONG_BUILD, m.path() + " has build-id " + actual.get() + ", not " + expected + ": " + consequence);
        }
    }

    /** The pin a patch library carries, checked against the process. */
    public static void checkCarried(ProcessSymbols symbols, ElfImage patch) {
        Optional<String> pin = patch.stringSymbol(PATCH_SYMBOL);
        if (pin.isEmpty()) {
            return;
        }
        String v = pin.get().trim();
        int bang = v.indexOf('!');
        checkBuildId(symbols, bang > 0 ? v.substring(0, bang) : null, bang > 0 ? v.substring(bang + 1) : v,
                "this patch was made for another build of it");
    }
}
