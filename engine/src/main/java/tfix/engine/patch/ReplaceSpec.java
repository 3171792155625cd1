package tfix.engine.patch;

import java.nio.file.Path;

/**
 * One replacement as the user states it: the old function (optionally in a named
 * library), the new one, the patch library, and the patch's expected SHA-256 (or null).
 *
 * @param original      a function-pointer variable of the patch to set to a callable copy of the old
 *                      function before the jump goes live ({@code original: 'compute_orig'}), or null
 * @param importer      replace only the calls this module makes through its own import table
 *                      ({@code in: 'libgreet.so'}), or null for the function itself
 * @param clonesIgnored the user said the compiler's clones of the function may keep their calls
 *                      ({@code clones: 'ignore'})
 */
public record ReplaceSpec(String oldName, String library, String newName, Path patchFile, String sha256,
                          String original, String importer, boolean clonesIgnored) {

    public ReplaceSpec(String oldName, String library, String newName, Path patchFile, String sha256) {
        this(oldName, library, newName, patchFile, sha256, null, null, false);
    }

    public static ReplaceSpec of(String oldName, String newName, Path patchFile) {
        return new ReplaceSpec(oldName, null, newName, patchFile, null);
    }

    public ReplaceSpec withOriginal(String variable) {
        return new ReplaceSpec(oldName, library, newName, patchFile, sha256, variable, importer, clonesIgnored);
    }

    public ReplaceSpec inModule(String module) {
        return new ReplaceSpec(oldName, library, newName, patchFile, sha256, original, module, clonesIgnored);
    }

    public ReplaceSpec ignoringClones() {
        return new ReplaceSpec(oldName, library, newName, patchFile, sha256, original, importer, true);
    }
}
